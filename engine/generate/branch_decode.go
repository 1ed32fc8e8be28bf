package generate

import (
	"runtime"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// decode continues every sequence b of d by up to caps[b] tokens (each at least 1): codes sampled
// from the policy (sequence b by samplers[b]), tokens greedy from the world model. A sequence ends
// after a stop token or its cap (it keeps feeding, ignored, while others run). With feedLast the
// last tokens are fed too, so that d is ready after them, and fed, when set, sees after each feed
// the sequences whose last token it held; a rollout skips that step.
func (d *decoder) decode(caps []int, samplers []*Sampler, stop []int, feedLast bool, fed func(rows []int)) (tokens, codes [][]int, err error) {
	runtime.LockOSThread() // as Generate: one OpenMP team for the whole loop
	defer runtime.UnlockOSThread()
	B := len(caps)
	tokens, codes = make([][]int, B), make([][]int, B)
	if B == 0 {
		return tokens, codes, nil
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
	var ended []int // sequences whose last token is in ids
	// The policy of the last fed token is ready: the first step starts at its code.
	cs, _ := sample(d.policy)
	logits, err := d.world(cs)
	for err == nil {
		live := 0
		ended = ended[:0]
		for b, row := range logits {
			t := Argmax(row)
			ids[b] = int64(t)
			if done[b] {
				continue
			}
			tokens[b], codes[b] = append(tokens[b], t), append(codes[b], int(cs[b]))
			if done[b] = slices.Contains(stop, t) || len(tokens[b]) >= caps[b]; done[b] {
				ended = append(ended, b)
			} else {
				live++
			}
		}
		if live == 0 {
			if feedLast {
				err = d.feed(ids, B, 1)
			}
		} else {
			cs, logits, err = d.step(ids, B, 1, sample)
		}
		if err == nil && fed != nil && (feedLast || live > 0) && len(ended) > 0 {
			fed(ended)
		}
		if live == 0 {
			break
		}
	}
	return tokens, codes, err
}

// Group is branches that continue as one call (Rollout, Extend) would continue them: up to N
// tokens each, codes sampled with Latent (branch i on stream i of Latent.Seed), counted on the
// branches' counter as that call counts.
type Group struct {
	Branches []*Branch
	N        int
	Latent   Sampling
}

// stacked is a decoder over rows, their caches stacked right-aligned into one left-padded batch
// with room for n more tokens (llama.Stack: keys keep their rotary positions), with the
// Q-network's caches when q is set. It counts nothing: callers count per call.
func stacked(rows []*Branch, n int, q bool) *decoder {
	main, pol, qc := make([]*llama.KVCache, len(rows)), make([]*llama.KVCache, len(rows)), make([]*llama.KVCache, len(rows))
	filled, hs := make([]int, len(rows)), make([]*ts.Tensor, len(rows))
	d := &decoder{m: rows[0].m, batch: &llama.Batch{}}
	for i, b := range rows {
		main[i], pol[i], qc[i], filled[i], hs[i] = b.caches.Main, b.caches.Policy, b.qc, b.batch.Len, b.h
		d.batch.Len = max(d.batch.Len, b.batch.Len)
		d.policy = append(d.policy, b.policy[0])
		if q {
			d.qv = append(d.qv, b.qv[0])
		}
	}
	d.batch.Pad = make([]int, len(rows))
	for i := range rows {
		d.batch.Pad[i] = d.batch.Len - filled[i]
	}
	capacity := d.batch.Len + n + 1
	d.caches = &cola.Caches{Main: llama.Stack(main, filled, capacity), Policy: llama.Stack(pol, filled, capacity)}
	if q {
		d.q, d.qc = rows[0].q, llama.Stack(qc, filled, capacity)
	}
	d.h = ts.MustCat(hs, 0) // [B,1,d]
	return d
}

// rows flattens groups with N > 0 into one batch: each row's branch, cap and sampler.
func rows(groups []Group) (bs []*Branch, caps []int, samplers []*Sampler) {
	for _, g := range groups {
		if g.N <= 0 {
			continue
		}
		for i, b := range g.Branches {
			bs, caps, samplers = append(bs, b), append(caps, g.N), append(samplers, NewSampler(g.Latent, i))
		}
	}
	return bs, caps, samplers
}

// countGroups adds what each group would have computed as a call of its own: it steps until its
// longest sequence ends, a world-model position per sequence and step, and a backbone and policy
// (and Q-network, with q) position per fed token: one step fewer than the world's without
// feedLast.
func countGroups(groups []Group, tokens [][]int, feedLast, q bool) {
	r := 0
	for _, g := range groups {
		if g.N <= 0 || len(g.Branches) == 0 {
			continue
		}
		steps := 0
		for range g.Branches {
			steps = max(steps, len(tokens[r]))
			r++
		}
		feeds := steps
		if !feedLast {
			feeds--
		}
		B := len(g.Branches)
		g.Branches[0].count.Add(B*feeds, B*steps, q && g.Branches[0].q != nil)
	}
}

// Rollouts continues every group's branches as one batch and gives each group's tokens, each
// branch's what Rollout on that group alone gives. The branches are left as they were.
func Rollouts(groups []Group, stop []int) ([][][]int, error) {
	out := make([][][]int, len(groups))
	bs, caps, samplers := rows(groups)
	if len(bs) > 0 {
		N := slices.Max(caps)
		d := stacked(bs, N, false)
		defer d.free()
		toks, _, err := d.decode(caps, samplers, stop, false, nil)
		if err != nil {
			return nil, err
		}
		countGroups(groups, toks, false, false)
		r := 0
		for gi, g := range groups {
			if g.N > 0 {
				out[gi], r = toks[r:r+len(g.Branches)], r+len(g.Branches)
			}
		}
	}
	for gi, g := range groups {
		if out[gi] == nil {
			out[gi] = make([][]int, len(g.Branches))
		}
	}
	return out, nil
}

// Rollout continues each branch by up to n tokens, as Extend does, as one batch whose caches
// are the branches' own, stacked (sequence i samples on stream i of lat.Seed). The branches are
// left as they were.
func Rollout(bs []*Branch, n int, lat Sampling, stop []int) ([][]int, error) {
	out, err := Rollouts([]Group{{Branches: bs, N: n, Latent: lat}}, stop)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Extension is one Extend call: Branch continued by up to N tokens, codes sampled with Latent.
type Extension struct {
	Branch *Branch
	N      int
	Latent Sampling
}

// Extended is what an Extension gives: the new branch, and the tokens and codes it added.
type Extended struct {
	Branch        *Branch
	Tokens, Codes []int
}

// Extend is a new branch: this one continued by up to n tokens (codes sampled with lat, greedy
// tokens, ending after a stop token), with the tokens and codes it added.
func (b *Branch) Extend(n int, lat Sampling, stop []int) (*Branch, []int, []int, error) {
	out, err := ExtendAll([]Extension{{Branch: b, N: n, Latent: lat}}, stop)
	if err != nil {
		return nil, nil, nil, err
	}
	return out[0].Branch, out[0].Tokens, out[0].Codes, nil
}

// ExtendAll runs Extend on every extension as one batch: each gives what Extend alone gives, and
// counts as it counts. The branches are left as they were.
func ExtendAll(xs []Extension, stop []int) ([]Extended, error) {
	out := make([]Extended, len(xs))
	groups := make([]Group, len(xs))
	for i, x := range xs {
		groups[i] = Group{Branches: []*Branch{x.Branch}, N: x.N, Latent: x.Latent}
		if x.N <= 0 {
			out[i].Branch = x.Branch.clone()
		}
	}
	bs, caps, samplers := rows(groups)
	if len(bs) == 0 {
		return out, nil
	}
	q := bs[0].q != nil
	d := stacked(bs, slices.Max(caps), q)
	ends := make([]decoder, len(bs)) // each row's state after its last token
	toks, codes, err := d.decode(caps, samplers, stop, true, func(rs []int) {
		for _, r := range rs {
			ends[r] = d.row(r)
		}
	})
	if err != nil {
		d.free()
		for _, e := range ends {
			tensor.Drop(e.h)
		}
		return nil, err
	}
	countGroups(groups, toks, true, q)
	r := 0
	for i, x := range xs {
		if x.N <= 0 {
			continue
		}
		var nb *Branch
		if len(bs) == 1 { // the batch is the branch
			tensor.Drop(ends[0].h)
			nb = &Branch{decoder: *d}
		} else {
			nb = &Branch{decoder: ends[r]}
			nb.caches, nb.qc = d.rowCaches(r, nb.batch.Len)
		}
		nb.q, nb.count = x.Branch.q, x.Branch.count
		nb.Tokens = append(slices.Clone(x.Branch.Tokens), toks[r]...)
		out[i] = Extended{Branch: nb, Tokens: toks[r], Codes: codes[r]}
		r++
	}
	if len(bs) > 1 {
		d.free()
	}
	return out, nil
}

// row is sequence r of d as a branch's decoder holds it now (h_t, l_t, Q(s_t, .) and its filled
// slots), without caches.
func (d *decoder) row(r int) decoder {
	e := decoder{m: d.m, batch: &llama.Batch{Pad: []int{0}, Len: d.batch.Len - d.batch.Pad[r]},
		h: d.h.MustNarrow(0, int64(r), 1, false), policy: [][]float32{d.policy[r]}}
	if d.qv != nil {
		e.qv = [][]float32{d.qv[r]}
	}
	return e
}

// rowCaches copies the n filled slots of sequence r out of d's caches.
func (d *decoder) rowCaches(r, n int) (*cola.Caches, *llama.KVCache) {
	from := d.batch.Pad[r]
	c := &cola.Caches{Main: d.caches.Main.Row(r, from, n, n+16), Policy: d.caches.Policy.Row(r, from, n, n+16)}
	var qc *llama.KVCache
	if d.qc != nil {
		qc = d.qc.Row(r, from, n, n+16)
	}
	return c, qc
}
