package generate

import (
	"runtime"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
)

// decode continues every sequence of d by up to n tokens: codes sampled from the policy (lat,
// sequence i on stream i of lat.Seed), tokens greedy from the world model. A sequence ends after
// a stop token (it keeps feeding, ignored, while others run). With feedLast the last tokens are
// fed too, so that d is ready after them; a rollout skips that step.
func (d *decoder) decode(n int, lat Sampling, stop []int, feedLast bool) (tokens, codes [][]int, err error) {
	runtime.LockOSThread() // as Generate: one OpenMP team for the whole loop
	defer runtime.UnlockOSThread()
	B := len(d.policy)
	tokens, codes = make([][]int, B), make([][]int, B)
	if n <= 0 {
		return tokens, codes, nil
	}
	samplers := make([]*Sampler, B)
	for i := range samplers {
		samplers[i] = NewSampler(lat, i)
	}
	sample := func(policy [][]float32) ([]int64, error) {
		cs := make([]int64, B)
		for i, l := range policy {
			cs[i] = int64(samplers[i].Sample(l))
		}
		return cs, nil
	}
	done := make([]bool, B)
	ids := make([]int64, B)
	// The policy of the last fed token is ready: the first step starts at its code.
	cs, _ := sample(d.policy)
	logits, err := d.world(cs)
	for i := 0; err == nil; i++ {
		live := 0
		for b, row := range logits {
			t := Argmax(row)
			ids[b] = int64(t)
			if done[b] {
				continue
			}
			tokens[b], codes[b] = append(tokens[b], t), append(codes[b], int(cs[b]))
			if done[b] = slices.Contains(stop, t); !done[b] {
				live++
			}
		}
		if live == 0 || i == n-1 {
			if feedLast {
				err = d.feed(ids, B, 1)
			}
			break
		}
		cs, logits, err = d.step(ids, B, 1, sample)
	}
	return tokens, codes, err
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
	d := decoder{m: bs[0].m, count: bs[0].count, batch: &llama.Batch{}}
	for i, b := range bs {
		main[i], pol[i], filled[i], hs[i] = b.caches.Main, b.caches.Policy, b.batch.Len, b.h
		d.batch.Len = max(d.batch.Len, b.batch.Len)
		d.policy = append(d.policy, b.policy[0])
	}
	for i := range pads {
		pads[i] = d.batch.Len - filled[i]
	}
	d.batch.Pad = pads
	capacity := d.batch.Len + n + 1
	d.caches = &cola.Caches{Main: llama.Stack(main, filled, capacity), Policy: llama.Stack(pol, filled, capacity)}
	d.h = ts.MustCat(hs, 0) // [B,1,d]
	defer d.free()
	toks, _, err := d.decode(n, lat, stop, false)
	return toks, err
}
