package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/weights"
)

// CoLADecode compares decoding with the shipped CoLA (backbone, policy, world model per token)
// to decoding with its backbone alone, at batch 1, with the compiled step and with the Go ops
// alternating: the time ratio is the cost of CoLA's modules per token.
func CoLADecode(ctx context.Context) ([]Result, error) {
	cm, err := shippedCoLA()
	if err != nil {
		return nil, err
	}
	defer cm.Free()
	const n = 128
	bos := cm.Tok.BOS()
	cola := func() (float64, error) { return colaDecodeRate(ctx, cm.CoLA, bos, n, generate.Sampling{}) }
	plain := func() (float64, error) { return decodeRate(ctx, cm.CoLA.Model, bos, 1, n, false, false) }
	best := map[string]float64{}
	for rep := 0; rep < 3; rep++ {
		for _, goOps := range []bool{false, true} {
			llama.Compiled = !goOps
			for name, f := range map[string]func() (float64, error){"cola": cola, "plain": plain} {
				r, err := f()
				if err != nil {
					llama.Compiled = true
					return nil, err
				}
				key := fmt.Sprintf("%s %v", name, goOps)
				best[key] = max(best[key], r)
			}
		}
	}
	llama.Compiled = true
	var res []Result
	for _, goOps := range []bool{false, true} {
		suffix := map[bool]string{false: "", true: ", Go ops"}[goOps]
		c, p := best[fmt.Sprintf("cola %v", goOps)], best[fmt.Sprintf("plain %v", goOps)]
		res = append(res,
			Result{Name: "decode stories260K-cola batch 1" + suffix, Value: c, Unit: "tok/s", Note: fmt.Sprintf("%d tokens, greedy codes, best of 3, alternating", n)},
			Result{Name: "decode its backbone alone batch 1" + suffix, Value: p, Unit: "tok/s", Note: "same run"},
			Result{Name: "CoLA time per token / backbone's" + suffix, Value: p / c, Unit: "x"})
	}
	return res, nil
}

// BigCoLADecode decodes the generated d=1024 model wrapped in CoLA modules of a fixed shape (3
// policy blocks, 2 merge MLPs; random, seeded) against the backbone alone, at batch 1: a
// memory-bound step's time should grow as the weight bytes it reads, which the world model's
// second pass through lm_head and the policy add to the backbone's.
func BigCoLADecode(ctx context.Context) ([]Result, error) {
	bb, _, remove, err := openBigModel()
	if err != nil {
		return nil, err
	}
	defer remove()
	cfg := bb.Config
	mod := cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 2, PolicyLayers: 3}
	m, err := cola.Wrap(bb, mod)
	if err == nil {
		err = m.InitModules(1)
	}
	if err != nil {
		bb.Free()
		return nil, err
	}
	defer m.Free()
	backbone, extra := colaStepBytes(m)
	const n = 16
	var c, p float64
	for rep := 0; rep < 3; rep++ {
		rc, err := colaDecodeRate(ctx, m, cfg.BOS, n, generate.Sampling{})
		if err != nil {
			return nil, err
		}
		rp, err := decodeRate(ctx, m.Model, cfg.BOS, 1, n, false, false)
		if err != nil {
			return nil, err
		}
		c, p = max(c, rc), max(p, rp)
	}
	bytesRatio := (backbone + extra) / backbone
	return []Result{
		{Name: "decode d=1024 CoLA (3 policy blocks, 2 merge MLPs) batch 1", Value: c, Unit: "tok/s", Note: fmt.Sprintf("%d tokens, best of 3, alternating; load average %s", n, LoadAverage())},
		{Name: "decode its backbone alone batch 1", Value: p, Unit: "tok/s", Note: "same run"},
		{Name: "CoLA time per token / backbone's", Value: p / c, Unit: "x"},
		{Name: "CoLA weight bytes per token / backbone's", Value: bytesRatio, Unit: "x", Note: fmt.Sprintf("%.0f MB against %.0f MB", (backbone+extra)/1e6, backbone/1e6)},
		{Name: "time ratio / bytes ratio", Value: p / c / bytesRatio, Unit: "x", Note: "target <= 1.02"},
	}, nil
}

// colaStepBytes is what one batch-1 CoLA decode step reads: the backbone's step (its weights but
// the embedding rows not looked up; a tied head reads the whole table), and what the modules add
// to it: the policy, the merge MLPs and the head once more, for the world model.
func colaStepBytes(m *cola.Model) (backbone, extra float64) {
	var modules []weights.Param
	for _, p := range weights.Walk(m) {
		if strings.HasPrefix(p.Name, "model.policy_") || strings.HasPrefix(p.Name, "model.action_merge_layers") {
			modules = append(modules, p)
		}
	}
	cfg, es := m.Config, float64(m.DType.Size())
	head := float64(cfg.Vocab) * float64(cfg.Dim) * es
	return stepBytes(m.Model), float64(weights.Count(modules))*es + head
}

// stepBytes is the weight bytes one batch-1 decode step of m reads: every weight but the
// embedding rows not looked up (none are skipped when the head is the embedding).
func stepBytes(m *llama.Model) float64 {
	es := float64(m.DType.Size())
	n := float64(m.NumParams()) * es
	if !m.Config.TieEmbeddings {
		n -= float64(m.Config.Vocab-1) * float64(m.Config.Dim) * es
	}
	return n
}

// colaDecodeRate decodes n tokens after bos with the CoLA at batch 1, codes drawn by latent, and
// returns tokens per second.
func colaDecodeRate(ctx context.Context, m *cola.Model, bos, n int, latent generate.Sampling) (float64, error) {
	sess := generate.NewCoLASession(m, n+1, latent)
	defer sess.Close()
	start := time.Now()
	out, err := generate.Generate(ctx, sess, [][]int{{bos}}, generate.Options{MaxTokens: n})
	if err != nil {
		return 0, err
	}
	return float64(len(out[0])) / time.Since(start).Seconds(), nil
}
