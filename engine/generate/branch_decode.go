package generate

import (
	"runtime"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
)

// decode continues every sequence of f by up to n tokens: codes sampled from the policy (lat,
// sequence i on stream i of lat.Seed), tokens greedy from the world model. A sequence ends after
// a stop token (it keeps feeding, ignored, while others run). With feedLast the last tokens are fed too,
// so that f is ready after them; a rollout skips that step.
func (f *fork) decode(n int, lat Sampling, stop []int, feedLast bool) (tokens, codes [][]int, err error) {
	runtime.LockOSThread() // as Generate: one OpenMP team for the whole loop
	defer runtime.UnlockOSThread()
	B := len(f.policy)
	tokens, codes = make([][]int, B), make([][]int, B)
	samplers := make([]*Sampler, B)
	for i := range samplers {
		samplers[i] = NewSampler(lat, i)
	}
	done := make([]bool, B)
	ids, cs := make([]int64, B), make([]int64, B)
	for step := 0; step < n; step++ {
		for i := range cs {
			cs[i] = int64(samplers[i].Sample(f.policy[i]))
		}
		next, err := f.next(cs)
		if err != nil {
			return tokens, codes, err
		}
		live := 0
		for i, t := range next {
			ids[i] = int64(t)
			if done[i] {
				continue
			}
			tokens[i], codes[i] = append(tokens[i], t), append(codes[i], int(cs[i]))
			if done[i] = slices.Contains(stop, t); !done[i] {
				live++
			}
		}
		if (live == 0 || step == n-1) && !feedLast {
			break
		}
		if err := f.feed(ids, B, 1); err != nil {
			return tokens, codes, err
		}
		if live == 0 {
			break
		}
	}
	return tokens, codes, nil
}

// Extend is a new branch: this one continued by up to n tokens (codes sampled with lat, greedy
// tokens, ending after a stop token), with the tokens and codes it added.
func (b *Branch) Extend(n int, lat Sampling, stop []int) (*Branch, []int, []int, error) {
	c := b.clone()
	toks, codes, err := c.decode(n, lat, stop, true)
	if err != nil {
		c.Free()
		return nil, nil, nil, err
	}
	c.Tokens = append(c.Tokens, toks[0]...)
	return c, toks[0], codes[0], nil
}

// Rollout continues each branch by up to n tokens, as Extend does, as one batch whose caches
// are the branches' own, stacked (sequence i samples on stream i of lat.Seed). The branches are
// left as they were.
func Rollout(bs []*Branch, n int, lat Sampling, stop []int) ([][]int, error) {
	if len(bs) == 0 || n <= 0 {
		return make([][]int, len(bs)), nil
	}
	main, pol := make([]*llama.KVCache, len(bs)), make([]*llama.KVCache, len(bs))
	filled, pads, hs := make([]int, len(bs)), make([]int, len(bs)), make([]*ts.Tensor, len(bs))
	f := fork{m: bs[0].m, count: bs[0].count, batch: &llama.Batch{}}
	for i, b := range bs {
		main[i], pol[i], filled[i], hs[i] = b.caches.Main, b.caches.Policy, b.batch.Len, b.h
		f.batch.Len = max(f.batch.Len, b.batch.Len)
		f.policy = append(f.policy, b.policy[0])
	}
	for i := range pads {
		pads[i] = f.batch.Len - filled[i]
	}
	f.batch.Pad = pads
	capacity := f.batch.Len + n + 1
	f.caches = &cola.Caches{Main: llama.Stack(main, filled, capacity), Policy: llama.Stack(pol, filled, capacity)}
	f.h = ts.MustCat(hs, 0) // [B,1,d]
	defer f.free()
	toks, _, err := f.decode(n, lat, stop, false)
	return toks, err
}
