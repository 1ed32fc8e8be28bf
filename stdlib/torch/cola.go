package torch

import (
	"context"
	"fmt"

	"colash/engine/generate"
	"colash/engine/inspect"
	"colash/model/cola"
	"colash/stdlib/backend"
)

// CoLA is a loaded CoLA checkpoint. Tokenizing, Logits (the backbone's next-token logits) and
// Info go through the backbone; generation goes through the policy, codebook and world model.
type CoLA struct{ Llama }

// WrapCoLA implements backend.CoLARuntime.
func (r *Runtime) WrapCoLA(path string, codes int, seed uint64) (backend.CoLA, error) {
	m, err := r.Load(path, backend.LoadOptions{})
	if err != nil {
		return nil, err
	}
	l, ok := m.(*Llama)
	if !ok {
		m.Free()
		return nil, fmt.Errorf("%s is already a CoLA model", path)
	}
	mod := cola.Released
	if codes > 0 {
		mod.Codes = codes
	}
	if err := l.m.WrapCoLA(mod, seed); err != nil {
		l.Free()
		return nil, err
	}
	return &CoLA{Llama{m: l.m}}, nil
}

func (m *CoLA) NumCodes() int { return m.m.CoLA.Config.NumCode }

func (m *CoLA) Codes(ctx context.Context, ids []int) ([]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.m.CoLA.ReadCodes(ids)
}

func (m *CoLA) Generate(ctx context.Context, prompt []int, s backend.Sampling, onText func(string)) ([]int, error) {
	toks, _, err := m.GenerateSteered(ctx, prompt, s, backend.Steering{Every: -1}, onText)
	return toks, err
}

func (m *CoLA) GenerateSteered(ctx context.Context, prompt []int, s backend.Sampling, st backend.Steering, onText func(string)) (out, codes []int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(prompt) == 0 {
		return nil, nil, fmt.Errorf("generate: empty prompt")
	}
	if C := m.m.CoLA.Config.NumCode; st.Bias != nil && len(st.Bias) != C {
		return nil, nil, fmt.Errorf("steer: bias has %d entries, the model has %d codes", len(st.Bias), C)
	}
	for _, c := range append(append([]int(nil), st.PerStep...), st.Every) {
		if c >= m.m.CoLA.Config.NumCode {
			return nil, nil, fmt.Errorf("steer: code %d out of range (the model has %d codes)", c, m.m.CoLA.Config.NumCode)
		}
	}
	latent := generate.PaperLatent
	latent.Seed = s.Seed
	sess := generate.NewCoLASession(m.m.CoLA, len(prompt)+s.N, latent)
	defer sess.Close()
	steer := generate.Steering{Bias: st.Bias}
	if st.Every >= 0 {
		steer.Fixed = []int{st.Every}
	}
	if len(st.PerStep) > 0 || st.Hook != nil {
		per, hook, C := st.PerStep, st.Hook, m.m.CoLA.Config.NumCode
		var hookErr error
		steer.Hook = func(ev generate.CodeEvent) int {
			code := ev.Code
			if ev.Index < len(per) && per[ev.Index] >= 0 {
				code = per[ev.Index]
			}
			if hook != nil && hookErr == nil {
				if c := hook(ev.Index, code, ev.Probs); c >= 0 && c < C {
					code = c
				} else {
					hookErr = fmt.Errorf("code %d out of range (the model has %d codes)", c, C)
				}
			}
			return code
		}
		defer func() {
			if hookErr != nil && err == nil {
				err = hookErr
			}
		}()
	}
	defer sess.Steer(steer)()
	out, err = generate.Continue(ctx, sess, m.m.Tok, prompt, options(s), onText)
	if c := sess.Codes(); len(c) > 0 {
		codes = c[0]
		if len(codes) > len(out) {
			codes = codes[:len(out)]
		}
	}
	return out, codes, err
}

func (m *CoLA) CodeTable(ctx context.Context, prompts []string) ([]backend.CodeStat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg := inspect.DefaultCodes
	if len(prompts) > 0 {
		cfg.Prompts = prompts
	}
	stats, err := inspect.Codes(ctx, m.m, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]backend.CodeStat, len(stats))
	for i, s := range stats {
		out[i] = backend.CodeStat{Code: s.Code, Policy: s.Policy, Example: s.Example}
		for _, t := range s.Tokens {
			out[i].Tokens = append(out[i].Tokens, t.Piece)
			out[i].Shares = append(out[i].Shares, t.Share)
		}
	}
	return out, nil
}
