package bench

import (
	"context"
	"fmt"
	"time"

	"colash/engine/generate"
	"colash/model/llama"
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
	cola := func() (float64, error) {
		sess := generate.NewCoLASession(cm.CoLA, n+1, generate.Sampling{})
		defer sess.Close()
		start := time.Now()
		out, err := generate.Generate(ctx, sess, [][]int{{bos}}, generate.Options{MaxTokens: n})
		if err != nil {
			return 0, err
		}
		return float64(len(out[0])) / time.Since(start).Seconds(), nil
	}
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
