package llama

import (
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
	f := &fused{
		qkv:    ts.MustCat([]*ts.Tensor{b.Q.W, b.K.W, b.V.W}, 0),
		gateUp: ts.MustCat([]*ts.Tensor{b.MLP.Gate.W, b.MLP.Up.W}, 0),
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
	w := b.unfusedWeights()
	split(f.qkv, w[0], w[1], w[2])
	split(f.gateUp, w[3], w[4])
	b.fused = f
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
		all = s.T(ts.MustLinear(h, b.fused.qkv, ts.None)) // [B,T,(nH+2nKV)*hd]
	} else {
		all = s.T(ts.MustCat([]*ts.Tensor{s.T(b.Q.Forward(h)), s.T(b.K.Forward(h)), s.T(b.V.Forward(h))}, 2))
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
		parts := s.T(ts.MustLinear(h, b.fused.gateUp, ts.None)).MustChunk(2, -1, false)
		gate, up = s.T(parts[0]), s.T(parts[1])
	} else {
		gate, up = s.T(b.MLP.Gate.Forward(h)), s.T(b.MLP.Up.Forward(h))
	}
	gate = hk.At("mlp.hook_pre", gate, s)
	up = hk.At("mlp.hook_pre_linear", up, s)
	return s.T(b.MLP.Down.Forward(hk.At("mlp.hook_post", s.T(nn.Act(gate, up)), s)))
}
