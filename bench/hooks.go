package bench

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
)

// Hooks measures what hook points cost greedy decoding of stories260K at batch 1: no hook set
// (the path every model takes by default), a set whose hooks were all removed, and one hook
// that reads blocks.0.hook_resid_post at every step. The settings alternate, best of 5 each,
// so that they share the machine's state.
func Hooks(ctx context.Context) ([]Result, error) {
	_, l, err := shipped()
	if err != nil {
		return nil, err
	}
	defer l.Free()
	const n = 128
	settings := []struct {
		name string
		set  func() (undo func())
	}{
		{"no hook set", func() func() { l.Llama.Hooks = nil; return func() {} }},
		{"hooks added then removed", func() func() {
			l.Llama.Hooks = &hooks.Set{}
			l.Llama.Hooks.Add("hook_embed", func(*ts.Tensor, hooks.Site) *ts.Tensor { return nil })()
			return func() {}
		}},
		{"one reading hook", func() func() {
			l.Llama.Hooks = &hooks.Set{}
			return l.Llama.Hooks.Add("blocks.0.hook_resid_post", func(*ts.Tensor, hooks.Site) *ts.Tensor { return nil })
		}},
	}
	DecodeTokensPerSecond(ctx, l, 1, 32, false) // warm-up
	best := make([]float64, len(settings))
	for rep := 0; rep < 5; rep++ {
		for i, s := range settings {
			undo := s.set()
			r, err := DecodeTokensPerSecond(ctx, l, 1, n, false)
			undo()
			if err != nil {
				return nil, err
			}
			best[i] = max(best[i], r)
		}
	}
	var res []Result
	for i, s := range settings {
		res = append(res, Result{Name: "decode stories260K batch 1, " + s.name, Value: best[i], Unit: "tok/s",
			Note: fmt.Sprintf("%d tokens, greedy, best of 5, interleaved", n)})
	}
	for i, s := range settings[1:] {
		res = append(res, Result{Name: s.name + " / no hook set", Value: best[i+1] / best[0], Unit: "x"})
	}
	return res, nil
}
