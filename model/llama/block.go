package llama

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Block is one pre-norm decoder layer: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)).
// CoLA's inverse-dynamics and policy stacks are made of the same blocks.
type Block struct {
	AttnNorm *ts.Tensor `st:"input_layernorm.weight" shape:"d" init:"ones"`
	Q        *ts.Tensor `st:"self_attn.q_proj.weight" shape:"q,d"`
	K        *ts.Tensor `st:"self_attn.k_proj.weight" shape:"kv,d"`
	V        *ts.Tensor `st:"self_attn.v_proj.weight" shape:"kv,d"`
	O        *ts.Tensor `st:"self_attn.o_proj.weight" shape:"d,q" init:"out"`
	MLPNorm  *ts.Tensor `st:"post_attention_layernorm.weight" shape:"d" init:"ones"`
	Gate     *ts.Tensor `st:"mlp.gate_proj.weight" shape:"ff,d"`
	Up       *ts.Tensor `st:"mlp.up_proj.weight" shape:"ff,d"`
	Down     *ts.Tensor `st:"mlp.down_proj.weight" shape:"d,ff" init:"out"`

	fused *fused // set by Fuse
}

// RunBlocks applies blocks to x [B,T,d] in order; cache (may be nil) holds one layer per block.
// Intermediates are owned by s; the result too.
func RunBlocks(blocks []*Block, c *Config, x *ts.Tensor, att *Attention, cache *KVCache, s *tensor.Scope) *ts.Tensor {
	for i, b := range blocks {
		var kv *LayerKV
		if cache != nil {
			kv = cache.Layer(i)
		}
		x = b.Forward(c, x, att, kv, s)
	}
	return x
}

// Forward applies the block to x [B,T,d].
func (b *Block) Forward(c *Config, x *ts.Tensor, att *Attention, kv *LayerKV, s *tensor.Scope) *ts.Tensor {
	sz := x.MustSize()
	B, T := sz[0], sz[1]
	nH, nKV := int64(c.Heads), int64(c.KVHeads)

	h := s.T(RMSNorm(x, b.AttnNorm, c.NormEps))
	qk, v := b.project(c, h, s)                                          // [B,T,nH+nKV,hd], [B,T,nKV,hd]
	qk = s.T(att.Rotate(qk))                                             // RoPE on query and key heads at once
	q := s.T(qk.MustNarrow(2, 0, nH, false).MustTranspose(1, 2, true))   // [B,nH,T,hd]
	k := s.T(qk.MustNarrow(2, nH, nKV, false).MustTranspose(1, 2, true)) // [B,nKV,T,hd]
	v = s.T(v.MustTranspose(1, 2, false))                                // [B,nKV,T,hd]
	if kv != nil {
		k, v = kv.Append(k, v, att.Past, s) // [B,nKV,S,hd], S = past + T
	}
	o := attend(q, k, v, att.Mask, s)                                          // [B,nH,T,hd]
	o = s.T(o.MustTranspose(1, 2, false).MustReshape([]int64{B, T, -1}, true)) // [B,T,nH*hd]
	x = s.T(x.MustAdd(s.T(Linear(o, b.O)), false))                             // residual

	h = s.T(RMSNorm(x, b.MLPNorm, c.NormEps))
	return s.T(x.MustAdd(b.mlp(h, s), false)) // residual
}

// attend is softmax(q k^T / sqrt(hd) + mask) v with grouped-query heads: the nH/nKV query heads
// that share a key/value head are stacked along the time axis, so K and V are never repeated.
func attend(q, k, v, mask *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	qs, ks := q.MustSize(), k.MustSize()
	B, nH, T, hd := qs[0], qs[1], qs[2], qs[3]
	nKV, S := ks[1], ks[2]
	g := nH / nKV
	qg := s.T(q.MustReshape([]int64{B, nKV, g * T, hd}, false))                                          // [B,nKV,g*T,hd]
	kt := s.T(k.MustTranspose(2, 3, false))                                                              // [B,nKV,hd,S]
	scores := s.T(qg.MustMatmul(kt, false).MustMulScalar(tensor.Scalar(1/math.Sqrt(float64(hd))), true)) // [B,nKV,g*T,S]
	scores = s.T(scores.MustView([]int64{B, nH, T, S}, true))                                            // [B,nH,T,S]
	if mask != nil {
		scores = s.T(scores.MustAdd(mask, false))
	}
	p := s.T(scores.MustSoftmax(-1, scores.DType(), false))                      // [B,nH,T,S]
	out := s.T(p.MustView([]int64{B, nKV, g * T, S}, false).MustMatmul(v, true)) // [B,nKV,g*T,hd]
	return s.T(out.MustView([]int64{B, nH, T, hd}, true))
}

// Linear is x W^T for a weight W [out,in] stored as checkpoints store it.
func Linear(x, w *ts.Tensor) *ts.Tensor { return ts.MustLinear(x, w, ts.None) }

// RMSNorm is x / sqrt(mean(x^2) + eps) * w over the last axis, computed in float32.
func RMSNorm(x, w *ts.Tensor, eps float64) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	dt := x.DType()
	if dt != gotch.Float {
		x = s.T(x.MustTotype(gotch.Float, false))
	}
	ms := s.T(x.MustMul(x, false).MustMeanDim([]int64{-1}, true, gotch.Float, true)) // [...,1]
	inv := s.T(ms.MustAddScalar(tensor.Scalar(eps), false).MustRsqrt(true))
	y := s.T(x.MustMul(inv, false))
	if dt != gotch.Float {
		y = s.T(y.MustTotype(dt, false))
	}
	return y.MustMul(w, false)
}
