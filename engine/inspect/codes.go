package inspect

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/models"
)

// CodesConfig sizes the code table: Samples continuations of Tokens tokens from each prompt with
// the policy choosing codes (Latent) and tokens greedy, whose contexts also serve to read what
// the world model emits under every code; and one continuation of ExampleTokens tokens of the
// first prompt with each code forced.
type CodesConfig struct {
	Prompts       []string
	Samples       int
	Tokens        int
	Latent        generate.Sampling
	TopTokens     int
	ExampleTokens int
	Seed          uint64
}

// DefaultCodes reads the codes on four story prompts.
var DefaultCodes = CodesConfig{Prompts: models.StoryPrompts[:4], Samples: 8, Tokens: 32,
	Latent: generate.PaperLatent, TopTokens: 5, ExampleTokens: 8, Seed: 1}

// TokenShare is a token and the fraction of contexts in which it was emitted.
type TokenShare struct {
	Token int     `json:"token"`
	Piece string  `json:"piece"`
	Share float64 `json:"share"`
}

// CodeStat is what one latent code means on the sampled contexts.
type CodeStat struct {
	Code    int          `json:"code"`
	Policy  float64      `json:"policy"`  // fraction of the policy's choices that were this code
	Tokens  []TokenShare `json:"tokens"`  // the world model's greedy token under this code, most frequent first
	Example string       `json:"example"` // the first prompt continued with this code forced
}

// Codes builds the code table of a CoLA model.
func Codes(ctx context.Context, m *checkpoint.Model, cfg CodesConfig) ([]CodeStat, error) {
	if m.CoLA == nil {
		return nil, fmt.Errorf("codes: %s is a plain Llama: it has no latent codes", m.Path)
	}
	if len(cfg.Prompts) == 0 || cfg.Samples <= 0 || cfg.Tokens <= 0 {
		return nil, fmt.Errorf("codes: want prompts and positive sample counts")
	}
	C := m.CoLA.Config.NumCode
	picks := make([]float64, C)
	emits := make([]map[int]int, C)
	for c := range emits {
		emits[c] = map[int]int{}
	}
	var nPicks float64
	contexts := 0
	err := sampled(ctx, m, cfg, func(ids []int, p int, codes []int) error {
		for _, c := range codes {
			picks[c]++
			nPicks++
		}
		contexts += len(ids) - p
		return countEmits(m, ids, p-1, len(ids)-1, emits)
	})
	if err != nil {
		return nil, err
	}
	examples, err := forcedExamples(ctx, m, cfg)
	if err != nil {
		return nil, err
	}
	stats := make([]CodeStat, C)
	for c := range stats {
		stats[c] = CodeStat{Code: c, Policy: picks[c] / max(nPicks, 1), Example: examples[c]}
		for tok, n := range emits[c] {
			stats[c].Tokens = append(stats[c].Tokens, TokenShare{Token: tok, Piece: string(m.Tok.TokenBytes(tok)), Share: float64(n) / float64(contexts)})
		}
		sort.Slice(stats[c].Tokens, func(i, j int) bool {
			a, b := stats[c].Tokens[i], stats[c].Tokens[j]
			return a.Share > b.Share || a.Share == b.Share && a.Token < b.Token
		})
		stats[c].Tokens = stats[c].Tokens[:min(cfg.TopTokens, len(stats[c].Tokens))]
	}
	return stats, nil
}

// sampled continues every prompt Samples times with the policy choosing codes (Latent) and tokens
// greedy, and calls visit with each sequence (prompt and continuation), the prompt's length and
// the codes picked.
func sampled(ctx context.Context, m *checkpoint.Model, cfg CodesConfig, visit func(ids []int, p int, codes []int) error) error {
	for pi, text := range cfg.Prompts {
		p := m.Tok.Encode(text, tokenizer.EncodeOptions{BOS: true})
		group := make([][]int, cfg.Samples)
		for i := range group {
			group[i] = p
		}
		sess := generate.NewCoLASession(m.CoLA, len(p)+cfg.Tokens+1, cfg.Latent.Rollout(cfg.Seed*1000+uint64(pi), false))
		out, err := generate.Generate(ctx, sess, group, generate.Options{MaxTokens: cfg.Tokens, Stop: m.Tok.StopTokens()})
		codes := sess.Codes()
		sess.Close()
		if err != nil {
			return err
		}
		for b, toks := range out {
			if err := visit(append(slices.Clone(p), toks...), len(p), codes[b][:len(toks)]); err != nil {
				return err
			}
		}
	}
	return nil
}

// countEmits runs the backbone over ids once and, at each position in [from, to), adds the world
// model's greedy token under every code to emits[code].
func countEmits(m *checkpoint.Model, ids []int, from, to int, emits []map[int]int) error {
	return overPositions(m, ids, from, to, func(h *ts.Tensor, s *tensor.Scope) {
		P := int64(to - from)
		for i, tok := range greedyTokens(m, s.T(h.MustNarrow(1, int64(from), P, false)), len(emits), s) {
			emits[int64(i)/P][int(tok)]++
		}
	})
}

// overPositions runs the backbone over ids once and calls f with its hidden states [1,T,d], when
// the positions [from, to) that f reads are not empty. Inside tensor.Guard; f's tensors belong
// to s.
func overPositions(m *checkpoint.Model, ids []int, from, to int, f func(h *ts.Tensor, s *tensor.Scope)) error {
	if to <= from {
		return nil
	}
	x, err := m.Llama.Tokens(toInt64(ids), 1, len(ids))
	if err != nil {
		return err
	}
	defer x.MustDrop()
	return tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		f(s.T(must(m.Llama.Hidden(x, &llama.Batch{Pad: []int{0}}, nil))), s)
	})
}

// greedyTokens is the world model's greedy token under each of C codes at each position of
// h [1,P,d]: [C*P], code-major.
func greedyTokens(m *checkpoint.Model, h *ts.Tensor, C int, s *tensor.Scope) []int64 {
	P := h.MustSize()[1]
	hc := s.T(h.MustExpand([]int64{int64(C), P, h.MustSize()[2]}, false, false)) // [C,P,d]
	codes := make([]int64, int64(C)*P)
	for c := range int64(C) {
		for i := range P {
			codes[c*P+i] = c
		}
	}
	ct := s.T(tensor.FromInt64s(codes, []int64{int64(C), P}, m.Device()))
	wm := s.T(must(m.CoLA.WorldModelLogits(hc, ct)))                    // [C,P,V]
	return tensor.Int64s(s.T(wm.MustArgmax([]int64{-1}, false, false))) // [C*P]
}

// forcedExamples continues the first prompt once per code, with that code forced at every step.
func forcedExamples(ctx context.Context, m *checkpoint.Model, cfg CodesConfig) ([]string, error) {
	C := m.CoLA.Config.NumCode
	p := m.Tok.Encode(cfg.Prompts[0], tokenizer.EncodeOptions{BOS: true})
	group := make([][]int, C)
	fixed := make([]int, C)
	for c := range group {
		group[c], fixed[c] = p, c
	}
	sess := generate.NewCoLASession(m.CoLA, len(p)+cfg.ExampleTokens+1, cfg.Latent)
	defer sess.Close()
	sess.Steer(generate.Steering{Fixed: fixed})
	out, err := generate.Generate(ctx, sess, group, generate.Options{MaxTokens: cfg.ExampleTokens})
	if err != nil {
		return nil, err
	}
	texts := make([]string, C)
	for c, toks := range out {
		dec := tokenizer.NewStreamDecoder(m.Tok)
		for _, id := range p {
			dec.Push(id)
		}
		for _, id := range toks {
			texts[c] += dec.Push(id)
		}
		texts[c] += dec.Flush()
	}
	return texts, nil
}
