package llama

import (
	"math"

	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/nn"
	"colash/model/tensor"
)

// Block is one pre-norm decoder layer: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)).
// CoLA's inverse-dynamics and policy stacks are made of the same blocks.
type Block struct {
	AttnNorm nn.RMSNorm `st:"input_layernorm.weight" shape:"d" init:"ones"`
	Q        nn.Linear  `st:"self_attn.q_proj.weight" shape:"q,d"`
	K        nn.Linear  `st:"self_attn.k_proj.weight" shape:"kv,d"`
	V        nn.Linear  `st:"self_attn.v_proj.weight" shape:"kv,d"`
	O        nn.Linear  `st:"self_attn.o_proj.weight" shape:"d,q" init:"out"`
	MLPNorm  nn.RMSNorm `st:"post_attention_layernorm.weight" shape:"d" init:"ones"`
	MLP      nn.SwiGLU  `st:"mlp" dims:"in=d"`

	fused *fused // set by Fuse
}

// RunBlocks applies blocks to x [B,T,d] in order; cache (may be nil) holds one layer per block.
// Intermediates are owned by s; the result too. att.Hooks (nil: none) are called as
// blocks.{i}.*.
func RunBlocks(blocks []*Block, c *Config, x *ts.Tensor, att *Attention, cache *KVCache, s *tensor.Scope) *ts.Tensor {
	if out := runCompiled(blocks, c, x, att, cache, s); out != nil {
		return out
	}
	if Compiled { // the Go ops meet the BLAS kernels the compiled pass would
		defer serially(blocks, x)()
	}
	for i, b := range blocks {
		var kv *LayerKV
		if cache != nil {
			kv = cache.Layer(i)
		}
		x = b.forward(c, x, att, kv, att.Hooks.Block(i), s)
	}
	return x
}

// Forward applies the block to x [B,T,d], without hooks.
func (b *Block) Forward(c *Config, x *ts.Tensor, att *Attention, kv *LayerKV, s *tensor.Scope) *ts.Tensor {
	return b.forward(c, x, att, kv, nil, s)
}

// forward is Forward with the block's hook points hk (nil: none; see hooks.BlockPoints).
func (b *Block) forward(c *Config, x *ts.Tensor, att *Attention, kv *LayerKV, hk *hooks.Run, s *tensor.Scope) *ts.Tensor {
	sz := x.MustSize()
	B, T := sz[0], sz[1]
	nH, nKV := int64(c.Heads), int64(c.KVHeads)

	x = hk.At("hook_resid_pre", x, s)
	h := s.T(b.AttnNorm.ForwardAt(x, c.NormEps, hk.Norm("ln1", s)))
	qk, v := b.project(c, h, s) // [B,T,nH+nKV,hd], [B,T,nKV,hd]
	qk = headHooks(hk, "attn.hook_q", "attn.hook_k", qk, nH, s)
	v = hk.At("attn.hook_v", v, s)
	qk = s.T(att.Rotate(qk)) // RoPE on query and key heads at once
	qk = headHooks(hk, "attn.hook_rot_q", "attn.hook_rot_k", qk, nH, s)
	q := s.T(qk.MustNarrow(2, 0, nH, false).MustTranspose(1, 2, true))   // [B,nH,T,hd]
	k := s.T(qk.MustNarrow(2, nH, nKV, false).MustTranspose(1, 2, true)) // [B,nKV,T,hd]
	v = s.T(v.MustTranspose(1, 2, false))                                // [B,nKV,T,hd]
	if kv != nil {
		k, v = kv.Append(k, v, att.Past, s) // [B,nKV,S,hd], S = past + T
	}
	z := s.T(attend(q, k, v, att.Mask, att.causal, hk, s).MustTranspose(1, 2, false)) // [B,T,nH,hd]
	o := s.T(hk.At("attn.hook_z", z, s).MustReshape([]int64{B, T, -1}, false))        // [B,T,nH*hd]
	x = s.T(x.MustAdd(hk.At("hook_attn_out", s.T(nn.MatMul(o, b.O.W)), s), false))    // residual
	x = hk.At("hook_resid_mid", x, s)

	h = s.T(b.MLPNorm.ForwardAt(x, c.NormEps, hk.Norm("ln2", s)))
	x = s.T(x.MustAdd(hk.At("hook_mlp_out", b.mlp(h, hk, s), s), false)) // residual
	return hk.At("hook_resid_post", x, s)
}

// attend is softmax(q k^T / sqrt(hd) + mask) v with grouped-query heads: the nH/nKV query heads
// that share a key/value head are stacked along the time axis, so K and V are never repeated.
// causal says that mask hides every slot after the query's own (Attention.causal).
// hk sees the masked scores and the pattern [B,nH,T,S]. With Compiled on, a pass whose hooks
// leave scores and pattern as they were gets its output from the compiled step's attention,
// so that a pass with hooks that only observe gives the hook-free pass's logits bit for bit.
func attend(q, k, v, mask *ts.Tensor, causal bool, hk *hooks.Run, s *tensor.Scope) *ts.Tensor {
	watched := hk.Has("attn.hook_attn_scores") || hk.Has("attn.hook_pattern")
	if Compiled && !watched {
		return compiledAttend(q, k, v, mask, causal, s)
	}
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
	seen := scores
	scores = hk.At("attn.hook_attn_scores", scores, s)
	p := s.T(scores.MustSoftmax(-1, scores.DType(), false))
	if hooked := hk.At("attn.hook_pattern", p, s); hooked != p || scores != seen {
		p = hooked
	} else if Compiled {
		return compiledAttend(q, k, v, mask, causal, s)
	}
	out := s.T(p.MustView([]int64{B, nKV, g * T, S}, false).MustMatmul(v, true)) // [B,nKV,g*T,hd]
	return s.T(out.MustView([]int64{B, nH, T, hd}, true))
}
