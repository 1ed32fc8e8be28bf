package generate

import (
	"runtime"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
)

// decode continues every sequence b of d by up to caps[b] tokens (each at least 1): codes sampled
// from the policy (sequence b by samplers[b]), tokens greedy from the world model. A sequence ends
// after a stop token or its cap; once a quarter of the batch has ended, the ended sequences leave
// it (dropEnded). With feedLast the last tokens are fed too, so that d is ready after them, and
// fed, when set, sees each sequence b once its last token is fed, at row r of d; a rollout skips
// that step.
func (d *decoder) decode(caps []int, samplers []*Sampler, stop []int, feedLast bool, fed func(b, r int)) (tokens, codes [][]int, err error) {
	runtime.LockOSThread() // as Generate: one OpenMP team for the whole loop
	defer runtime.UnlockOSThread()
	B := len(caps)
	tokens, codes = make([][]int, B), make([][]int, B)
	if B == 0 {
		return tokens, codes, nil
	}
	seqs := make([]int, B) // the sequence in each row of d
	for i := range seqs {
		seqs[i] = i
	}
	sample := func(policy [][]float32) ([]int64, error) {
		cs := make([]int64, len(policy))
		for r, l := range policy {
			cs[r] = int64(samplers[seqs[r]].Sample(l))
		}
		return cs, nil
	}
	done := make([]bool, B)
	// The policy of the last fed token is ready: the first step starts at its code.
	cs, _ := sample(d.policy)
	logits, err := d.world(cs)
	for err == nil {
		ids := make([]int64, len(seqs))
		var ended []int // rows whose last token is in ids
		live := 0
		for r, row := range logits {
			t, b := Argmax(row), seqs[r]
			ids[r] = int64(t)
			if done[b] {
				continue // keeps feeding, ignored, until it leaves the batch
			}
			tokens[b], codes[b] = append(tokens[b], t), append(codes[b], int(cs[r]))
			if done[b] = slices.Contains(stop, t) || len(tokens[b]) >= caps[b]; done[b] {
				ended = append(ended, r)
			} else {
				live++
			}
		}
		if live == 0 {
			if feedLast {
				err = d.feed(ids, len(seqs), 1)
			}
		} else {
			cs, logits, err = d.step(ids, len(seqs), 1, sample)
		}
		if err == nil && fed != nil && (feedLast || live > 0) {
			for _, r := range ended {
				fed(seqs[r], r)
			}
		}
		if live == 0 || err != nil {
			break
		}
		if keep := dropEnded(seqs, done); keep != nil {
			d.keep(keep)
			seqs, cs, logits = pick(seqs, keep), pick(cs, keep), pick(logits, keep)
		}
	}
	return tokens, codes, err
}

// dropEnded gives the rows to keep once the ended sequences are a quarter of the batch or more,
// else nil. Two rows at least stay: a batch of one row multiplies through other kernels (mv).
func dropEnded(seqs []int, done []bool) []int {
	var keep []int
	for r, b := range seqs {
		if !done[b] {
			keep = append(keep, r)
		}
	}
	if ended := len(seqs) - len(keep); ended == 0 || ended < len(seqs)/4 || len(keep) < 2 {
		return nil
	}
	return keep
}

// pick is v's entries at rows, in that order.
func pick[T any](v []T, rows []int) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = v[r]
	}
	return out
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
	held := d.holdQ()                // the steps run without the Q-network; it catches up at the ends
	ends := make([]decoder, len(bs)) // each sequence's state after its last token, caches copied
	var fed func(b, r int)
	if len(bs) > 1 {
		fed = func(b, r int) { ends[b] = d.row(r) }
	}
	toks, codes, err := d.decode(caps, samplers, stop, true, fed)
	var qv [][]float32
	if err == nil && held != nil {
		qv, err = held.catchUp(d.m, toks)
	}
	if err != nil {
		d.free()
		held.free()
		for _, e := range ends {
			if e.caches != nil {
				e.free()
			}
		}
		return nil, err
	}
	countGroups(groups, toks, true, q)
	r := 0
	for i, x := range xs {
		if x.N <= 0 {
			continue
		}
		nb := &Branch{decoder: ends[r]}
		if len(bs) == 1 { // the batch is the branch
			nb.decoder = *d
		}
		if held != nil {
			nb.qc, nb.qv = held.cache, [][]float32{qv[r]}
			if len(bs) > 1 {
				nb.qc = held.row(r, len(toks[r]))
			}
		}
		nb.q, nb.count = x.Branch.q, x.Branch.count
		nb.Tokens = append(slices.Clone(x.Branch.Tokens), toks[r]...)
		out[i] = Extended{Branch: nb, Tokens: toks[r], Codes: codes[r]}
		r++
	}
	if len(bs) > 1 {
		d.free()
		held.free()
	}
	return out, nil
}

// row is sequence r of d as a branch's decoder holds it now: its filled slots copied out of the
// caches, h_t, l_t and Q(s_t, .).
func (d *decoder) row(r int) decoder {
	n, from := d.batch.Len-d.batch.Pad[r], d.batch.Pad[r]
	e := decoder{m: d.m, batch: &llama.Batch{Pad: []int{0}, Len: n}, h: d.h.MustNarrow(0, int64(r), 1, false),
		policy: [][]float32{d.policy[r]}, caches: &cola.Caches{Main: d.caches.Main.Row(r, from, n, n+16), Policy: d.caches.Policy.Row(r, from, n, n+16)}}
	if d.qc != nil {
		e.qc = d.qc.Row(r, from, n, n+16)
	}
	if d.qv != nil {
		e.qv = [][]float32{d.qv[r]}
	}
	return e
}
