package llama

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// fused holds a block's projections concatenated, so that decoding runs one matmul for
// q, k and v and one for gate and up: a tiny model's decode step is bound by the number of
// ops, not by arithmetic. After Fuse, the block's Q, K, V, Gate and Up are row views of these
// tensors, so checkpoints still see the separate weights and no memory is duplicated.
type fused struct {
	qkv    *ts.Tensor // [q+2kv, d]
	gateUp *ts.Tensor // [2ff, d]
}

// Fuse concatenates the block's projections (inference only: a trainable block keeps its
// separate leaf weights, since the views would not receive gradients of their own).
func (b *Block) Fuse() {
	if b.fused != nil {
		return
	}
	f := &fused{
		qkv:    ts.MustCat([]*ts.Tensor{b.Q, b.K, b.V}, 0),
		gateUp: ts.MustCat([]*ts.Tensor{b.Gate, b.Up}, 0),
	}
	split := func(all *ts.Tensor, parts ...**ts.Tensor) {
		at := int64(0)
		for _, p := range parts {
			n := (*p).MustSize()[0]
			view := all.MustNarrow(0, at, n, false)
			(*p).MustDrop()
			*p = view
			at += n
		}
	}
	split(f.qkv, &b.Q, &b.K, &b.V)
	split(f.gateUp, &b.Gate, &b.Up)
	b.fused = f
}

// freeFused releases the concatenated tensors (the views are freed with the other weights).
func (b *Block) freeFused() {
	if b.fused != nil {
		tensor.Drop(b.fused.qkv, b.fused.gateUp)
		b.fused = nil
	}
}

// project returns the rotary part qk [B,T,nH+nKV,hd] (query heads, then key heads) and
// v [B,T,nKV,hd] for the normed input h [B,T,d].
func (b *Block) project(c *Config, h *ts.Tensor, s *tensor.Scope) (qk, v *ts.Tensor) {
	sz := h.MustSize()
	B, T := sz[0], sz[1]
	nH, nKV, hd := int64(c.Heads), int64(c.KVHeads), int64(c.HeadDim())
	var all *ts.Tensor
	if b.fused != nil {
		all = s.T(Linear(h, b.fused.qkv)) // [B,T,(nH+2nKV)*hd]
	} else {
		all = s.T(ts.MustCat([]*ts.Tensor{s.T(Linear(h, b.Q)), s.T(Linear(h, b.K)), s.T(Linear(h, b.V))}, 2))
	}
	all = s.T(all.MustView([]int64{B, T, nH + 2*nKV, hd}, false))
	return s.T(all.MustNarrow(2, 0, nH+nKV, false)), s.T(all.MustNarrow(2, nH+nKV, nKV, false))
}

// mlp is down(silu(gate(h)) * up(h)) for h [B,T,d].
func (b *Block) mlp(h *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	var gate, up *ts.Tensor
	if b.fused != nil {
		parts := s.T(Linear(h, b.fused.gateUp)).MustChunk(2, -1, false) // 2 x [B,T,ff]
		gate, up = s.T(parts[0]), s.T(parts[1])
	} else {
		gate, up = s.T(Linear(h, b.Gate)), s.T(Linear(h, b.Up))
	}
	act := s.T(gate.MustSilu(false).MustMul(up, true))
	return s.T(Linear(act, b.Down))
}
