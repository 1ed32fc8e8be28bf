package train

import (
	"context"
	"fmt"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// ReportConfig sizes the held-out measurements of Evaluate.
type ReportConfig struct {
	Seq       int    // packed sequence length of the teacher-forced measurements
	MaxSeqs   int    // at most this many sequences (0: all)
	Prompts   int    // diversity and generation: prompts (prefixes of held-out documents)
	Cont      int    // continuations per prompt
	PromptLen int    // prompt tokens (BOS included)
	GenLen    int    // new tokens per continuation
	Repro     int    // documents for the free-running reproduction test
	Seed      uint64 // sampling seed
	Fluency   FluencyConfig
}

// DefaultReport is the configuration docs/training.md reports.
var DefaultReport = ReportConfig{Seq: 128, MaxSeqs: 256, Prompts: 20, Cont: 8, PromptLen: 8, GenLen: 48, Repro: 32, Seed: 1,
	Fluency: DefaultFluency}

// Report is the held-out evaluation of a trained CoLA.
type Report struct {
	Tokens      int       // teacher-forced target tokens
	BackboneNLL float64   // the backbone's own next-token NLL
	WorldNLL    float64   // world-model NLL given the IDM's argmax codes
	WorldAcc    float64   // world-model argmax = next token, given IDM codes (teacher forced)
	Alive       int       // codes at >= 0.5% of positions (IDM argmax)
	MaxFrac     float64   // largest code fraction
	Usage       []float64 // fraction per code
	PolicyAcc   float64   // policy argmax = IDM code
	PolicyTop5  float64   // IDM code among the policy's 5 most likely
	ReproFree   float64   // free-running greedy decode forced with IDM codes: token accuracy
	Div         []Diversity
	Fluency     *Fluency
	Cfg         ReportConfig
}

// Evaluate measures m on held-out documents (see docs/training.md for the table it fills). Text
// is scored by ref, the original backbone (nil: m's own, right unless FTA has changed it).
func Evaluate(m *cola.Model, ref *llama.Model, tok tokenizer.Tokenizer, docs []Doc, cfg ReportConfig) (*Report, error) {
	if ref == nil {
		ref = m.Model
	}
	r := &Report{Cfg: cfg}
	seqs, err := heldOutSeqs(docs, cfg.Seq, cfg.MaxSeqs)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	C := m.Config.NumCode
	counts := make([]float64, C)
	var sumBB, sumWM, hitWM, hitPol, hitTop5, n float64
	err = heldOutBatches(seqs, m.Device, func(s *tensor.Scope, part []Seq, x, tgt, mask *ts.Tensor, cnt int) {
		batch := &llama.Batch{Pad: make([]int, len(part))}
		h := own(s)(m.Hidden(x, batch, nil))
		z := own(s)(m.IDMLogits(h, batch))
		codes := s.T(z.MustArgmax([]int64{-1}, false, false)) // [B,T]
		wm := own(s)(m.WorldModelLogits(h, codes))
		pol := own(s)(m.PolicyLogits(h, batch, nil))
		bb := s.T(m.Logits(head(h, s)))
		sum := func(v *ts.Tensor) float64 {
			return scalar(s.T(s.T(v.MustMul(mask, false)).MustSum(gotch.Double, false)))
		}
		sumBB += sum(nll(bb, tgt, s))
		sumWM += sum(nll(head(wm, s), tgt, s))
		eq := func(a, b *ts.Tensor) *ts.Tensor {
			return s.T(s.T(a.MustEqTensor(b, false)).MustTotype(gotch.Float, true))
		}
		c2 := head(codes, s)
		hitWM += sum(eq(s.T(head(wm, s).MustArgmax([]int64{-1}, false, false)), tgt))
		hitPol += sum(eq(s.T(head(pol, s).MustArgmax([]int64{-1}, false, false)), c2))
		vals, top := head(pol, s).MustTopk(5, -1, true, true, false)
		s.T(vals)
		s.T(top)
		inTop := s.T(s.T(top.MustEqTensor(s.T(c2.MustUnsqueeze(-1, false)), false)).MustAnyDim(-1, false, false))
		hitTop5 += sum(s.T(inTop.MustTotype(gotch.Float, true)))
		n += float64(cnt)
		valid := validOf(part)
		for i, c := range tensor.Int64s(c2) {
			if valid[i] {
				counts[c]++
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	r.Tokens = int(n)
	r.BackboneNLL, r.WorldNLL, r.WorldAcc = sumBB/n, sumWM/n, hitWM/n
	r.PolicyAcc, r.PolicyTop5 = hitPol/n, hitTop5/n
	r.Usage, r.Alive, r.MaxFrac = codeUsage(counts, n)
	if r.ReproFree, err = reproduce(m, docs, cfg); err != nil {
		return nil, err
	}
	if r.Div, err = diversity(m, ref, tok, docs, cfg); err != nil {
		return nil, err
	}
	if r.Fluency, err = MeasureFluency(m, ref, tok, cfg.Fluency); err != nil {
		return nil, err
	}
	return r, nil
}

// reproduce reads the codes of held-out texts with the IDM, then decodes greedily from BOS with the
// world model forced to take those codes, and returns the fraction of tokens reproduced.
func reproduce(m *cola.Model, docs []Doc, cfg ReportConfig) (float64, error) {
	var hit, tot float64
	for _, d := range docs[:min(cfg.Repro, len(docs))] {
		ids := d.Tokens[:min(len(d.Tokens), cfg.Seq)]
		if len(ids) < 2 {
			continue
		}
		codes, err := m.ReadCodes(ids)
		if err != nil {
			return 0, err
		}
		sess := generate.NewCoLASession(m, len(ids)+1, generate.Sampling{})
		undo := sess.Steer(generate.Steering{Hook: func(ev generate.CodeEvent) int { return codes[ev.Pos] }})
		out, err := generate.Generate(context.Background(), sess, [][]int{ids[:1]}, generate.Options{MaxTokens: len(ids) - 1})
		undo()
		sess.Close()
		if err != nil {
			return 0, err
		}
		for i, id := range out[0] {
			if id == ids[i+1] {
				hit++
			}
		}
		tot += float64(len(ids) - 1)
	}
	return hit / max(tot, 1), nil
}

// diversity samples Cont continuations of Prompts held-out prefixes three ways: backbone tokens at
// temperature 1, policy-sampled codes (temperature 1, no top-k) with greedy tokens, and uniformly
// random codes with greedy tokens (the paper's "latent action sampling"); ref scores them.
func diversity(m *cola.Model, ref *llama.Model, tok tokenizer.Tokenizer, docs []Doc, cfg ReportConfig) ([]Diversity, error) {
	var prompts [][]int
	for _, d := range docs {
		if len(d.Tokens) > cfg.PromptLen+cfg.GenLen && len(prompts) < cfg.Prompts {
			prompts = append(prompts, d.Tokens[:cfg.PromptLen])
		}
	}
	if len(prompts) == 0 {
		return nil, fmt.Errorf("evaluate: no held-out document longer than %d tokens", cfg.PromptLen+cfg.GenLen)
	}
	uniform := make([]float32, m.Config.NumCode)
	var out []Diversity
	for _, sc := range []scheme{
		backboneScheme("token sampling (backbone, T=1)", m.Model),
		colaScheme("policy-sampled codes (T=1), greedy tokens", m, generate.Sampling{Temperature: 1}, nil),
		colaScheme("uniform random codes, greedy tokens", m, generate.Sampling{Temperature: 1}, func(generate.Step) []float32 { return uniform }),
	} {
		d, err := measure(sc, prompts, cfg.Cont, cfg.GenLen, tok.StopTokens(), ref, cfg.Seed)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Markdown renders the report as the table of docs/training.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Held-out sampled text: %d target tokens in %d-token sequences.\n\n", r.Tokens, r.Cfg.Seq)
	fmt.Fprintf(&b, "| measurement | value |\n|---|---:|\n")
	fmt.Fprintf(&b, "| backbone NLL (nats/token) | %.4f |\n", r.BackboneNLL)
	fmt.Fprintf(&b, "| world-model NLL given IDM codes (nats/token) | %.4f |\n", r.WorldNLL)
	fmt.Fprintf(&b, "| world-model next-token accuracy given IDM codes (teacher forced) | %.4f |\n", r.WorldAcc)
	fmt.Fprintf(&b, "| IDM codes alive (>= 0.5%% of positions) | %d / %d |\n", r.Alive, len(r.Usage))
	fmt.Fprintf(&b, "| largest code fraction | %.4f |\n", r.MaxFrac)
	fmt.Fprintf(&b, "| BC policy accuracy vs IDM codes (top-1) | %.4f |\n", r.PolicyAcc)
	fmt.Fprintf(&b, "| BC policy accuracy vs IDM codes (top-5) | %.4f |\n", r.PolicyTop5)
	fmt.Fprintf(&b, "| IDM codes forced through the world model, greedy free-running decode: token accuracy (%d texts) | %.4f |\n", r.Cfg.Repro, r.ReproFree)
	fmt.Fprintf(&b, "\n%d prompts (%d-token held-out prefixes) x %d continuations of %d tokens:\n\n", r.Cfg.Prompts, r.Cfg.PromptLen, r.Cfg.Cont, r.Cfg.GenLen)
	fmt.Fprintf(&b, "| sampling | backbone NLL of the text | distinct-1 | distinct-2 | distinct-3 | mean pairwise cosine (backbone states) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, d := range r.Div {
		fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f |\n", d.Name, d.NLL, d.Distinct[0], d.Distinct[1], d.Distinct[2], d.Cosine)
	}
	if r.Fluency != nil {
		b.WriteString("\n" + r.Fluency.Markdown())
	}
	return b.String()
}
