package llama

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/nn"
	"colash/model/tensor"
)

// fused holds a block's projections concatenated, so that decoding runs one matmul for
// q, k and v and one for gate and up: a tiny model's decode step is bound by the number of
// ops, not by arithmetic. After Fuse, the block's Q, K, V, Gate and Up weights are row views of
// these tensors, so checkpoints still see the separate weights and no memory is duplicated.
type fused struct {
	qkv    *ts.Tensor // [q+2kv, d]
	gateUp *ts.Tensor // [2ff, d]
}

// unfusedWeights are the weights Fuse turns into views.
func (b *Block) unfusedWeights() []**ts.Tensor {
	return []**ts.Tensor{&b.Q.W, &b.K.W, &b.V.W, &b.MLP.Gate.W, &b.MLP.Up.W}
}

// Fuse concatenates the block's projections (inference only: a trainable block keeps its
// separate leaf weights, since the views would not receive gradients of their own).
func (b *Block) Fuse() {
	if b.fused != nil {
		return
	}
	w := b.unfusedWeights()
	b.fused = &fused{
		qkv:    ts.MustCat([]*ts.Tensor{b.Q.W, b.K.W, b.V.W}, 0),
		gateUp: ts.MustCat([]*ts.Tensor{b.MLP.Gate.W, b.MLP.Up.W}, 0),
	}
	b.fused.viewRows(b, rowsOf(w))
}

// allocFused gives the block empty fused matrices with Q, K, V, Gate and Up as their row views,
// before loading: the checkpoint is then read straight into the fused layout, with no
// concatenation and no second copy of the weights.
func (b *Block) allocFused(c *Config, dev gotch.Device, dt gotch.DType) {
	dims := c.Dims()
	d, q, kv, ff := dims["d"], dims["q"], dims["kv"], dims["ff"]
	b.fused = &fused{
		qkv:    ts.MustEmpty([]int64{q + 2*kv, d}, dt, dev),
		gateUp: ts.MustEmpty([]int64{2 * ff, d}, dt, dev),
	}
	b.fused.viewRows(b, []int64{q, kv, kv, ff, ff})
}

// rowsOf gives the row counts of the weights in w.
func rowsOf(w []**ts.Tensor) []int64 {
	rows := make([]int64, len(w))
	for i, p := range w {
		rows[i] = (*p).MustSize()[0]
	}
	return rows
}

// viewRows points the block's Q, K, V (rows[0:3]) at consecutive rows of qkv and Gate, Up
// (rows[3:5]) at rows of gateUp, freeing what they held before.
func (f *fused) viewRows(b *Block, rows []int64) {
	w := b.unfusedWeights()
	split := func(all *ts.Tensor, parts []**ts.Tensor, n []int64) {
		at := int64(0)
		for i, p := range parts {
			view := all.MustNarrow(0, at, n[i], false)
			if *p != nil {
				(*p).MustDrop()
			}
			*p = view
			at += n[i]
		}
	}
	split(f.qkv, w[:3], rows[:3])
	split(f.gateUp, w[3:], rows[3:])
}

// Unfuse undoes Fuse: Q, K, V, Gate and Up get storage of their own again, so that they can
// train as leaf weights (a view of the fused matrix would not receive a gradient of its own).
// A block that is not fused is left alone.
func (b *Block) Unfuse() {
	if b.fused == nil {
		return
	}
	for _, p := range b.unfusedWeights() {
		view := *p
		*p = tensor.Clone(view)
		view.MustDrop()
	}
	b.freeFused()
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
		all = s.T(nn.MatMul(h, b.fused.qkv)) // [B,T,(nH+2nKV)*hd]
	} else {
		all = s.T(ts.MustCat([]*ts.Tensor{s.T(nn.MatMul(h, b.Q.W)), s.T(nn.MatMul(h, b.K.W)), s.T(nn.MatMul(h, b.V.W))}, 2))
	}
	all = s.T(all.MustView([]int64{B, T, nH + 2*nKV, hd}, false))
	return s.T(all.MustNarrow(2, 0, nH+nKV, false)), s.T(all.MustNarrow(2, nH+nKV, nKV, false))
}

// mlp is the block's SwiGLU for h [B,T,d], down(silu(gate(h)) * up(h)), with gate and up as one
// matmul when fused; hk sees gate (mlp.hook_pre), up (mlp.hook_pre_linear) and their product
// (mlp.hook_post).
func (b *Block) mlp(h *ts.Tensor, hk *hooks.Run, s *tensor.Scope) *ts.Tensor {
	var gate, up *ts.Tensor // [B,T,ff]
	if b.fused != nil {
		parts := s.T(nn.MatMul(h, b.fused.gateUp)).MustChunk(2, -1, false)
		gate, up = s.T(parts[0]), s.T(parts[1])
	} else {
		gate, up = s.T(nn.MatMul(h, b.MLP.Gate.W)), s.T(nn.MatMul(h, b.MLP.Up.W))
	}
	gate = hk.At("mlp.hook_pre", gate, s)
	up = hk.At("mlp.hook_pre_linear", up, s)
	return s.T(nn.MatMul(hk.At("mlp.hook_post", s.T(nn.Act(gate, up)), s), b.MLP.Down.W))
}
