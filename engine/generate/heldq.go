package generate

import (
	"slices"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// heldQ is a Q-network taken off a decoder's steps: its cache keeps the slots it held then
// (batch), and catchUp feeds it the tokens decoded since, all in one call. An extension needs
// Q(s, .) at its end only (the search reads Q at a node's state), so a Q-network that runs one
// call per decoded token spends a call sequence per step on values nobody reads.
type heldQ struct {
	q     QModel
	cache *llama.KVCache
	batch llama.Batch // the slots the cache held when it was taken off
}

// holdQ takes d's Q-network off its steps; nil when d has none.
func (d *decoder) holdQ() *heldQ {
	if d.q == nil {
		return nil
	}
	h := &heldQ{q: d.q, cache: d.qc, batch: llama.Batch{Pad: slices.Clone(d.batch.Pad), Len: d.batch.Len}}
	d.q, d.qc, d.qv = nil, nil, nil
	return h
}

// catchUp feeds every sequence b (row b of the cache) its tokens toks[b], at least one each, as
// one [B, longest] call: a shorter sequence is followed by copies of its last token, which only
// the slots after its own see. It returns Q(s, .) after each sequence's last token; the cache
// then holds each sequence's slots up to that token (and the copies after it); row copies one
// out.
func (h *heldQ) catchUp(m *cola.Model, toks [][]int) ([][]float32, error) {
	B, T := len(toks), 0
	for _, t := range toks {
		T = max(T, len(t))
	}
	ids := make([]int64, 0, B*T)
	for _, t := range toks {
		for j := range T {
			ids = append(ids, int64(t[min(j, len(t)-1)]))
		}
	}
	x, err := m.Tokens(ids, B, T)
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	qv := make([][]float32, B)
	err = tensor.Guard(func() {
		qs, err := h.q.QValues(x, &h.batch, h.cache) // [B,T,C]
		if err != nil {
			panic(err)
		}
		all := tensor.Float32s(qs)
		qs.MustDrop()
		C := len(all) / (B * T)
		for b, t := range toks {
			at := (b*T + len(t) - 1) * C
			qv[b] = all[at : at+C : at+C]
		}
	})
	return qv, err
}

// row is sequence b's cache once it has caught up by added tokens, copied out into a
// one-sequence cache as decoder.row copies the others.
func (h *heldQ) row(b, added int) *llama.KVCache {
	n := h.batch.Len - h.batch.Pad[b] + added
	return h.cache.Row(b, h.batch.Pad[b], n, n+16)
}

// free releases the cache; a nil heldQ has none.
func (h *heldQ) free() {
	if h != nil {
		h.cache.Free()
	}
}
