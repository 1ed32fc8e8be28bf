package cola

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/llama"
	"colash/model/tensor"
)

// The forward functions below take h, the backbone's post-final-norm hidden state [B,T,d]
// (m.Hidden), for the same T slots of batch: call them before batch.Advance. Results belong to
// the caller; every intermediate is freed.

// IDMLogits is the inverse dynamics model over a whole text, h [B,T,d] (batch.Len = 0):
//
//	z = action_head(action_norm(IDM_blocks(h)))   [B,T,C], causal, same RoPE
//	z[:, t] := z[:, t+1]  for t < T-1
//
// so z[:, t] is the code of the step that produced token t+1 (it has seen x_{t+1}). The last
// position has no next token: it keeps its own, unshifted logits, as the released code does, and
// callers should ignore it.
func (m *Model) IDMLogits(h *ts.Tensor, batch *llama.Batch) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		T := h.MustSize()[1]
		att := m.attention("idm.", h, batch, s)
		x := llama.RunBlocks(m.ActionLayers, &m.Config.Config, h, att, nil, s)              // [B,T,d]
		x = s.T(m.ActionNorm.ForwardAt(x, m.Config.NormEps, att.Hooks.Norm("ln_final", s))) // [B,T,d]
		z := s.T(m.ActionHead.Forward(x))                                                   // [B,T,C]
		if T > 1 {
			next := s.T(z.MustNarrow(1, 1, T-1, false)) // z[:, 1:]
			last := s.T(z.MustNarrow(1, T-1, 1, false)) // z[:, T-1:]
			z = s.T(ts.MustCat([]*ts.Tensor{next, last}, 1))
		}
		out = s.Keep(att.Hooks.At("hook_logits", z, s))
	})
	return out, err
}

// PolicyLogits is the latent policy, l = policy_head(policy_norm(Policy_blocks(h))) [B,T,C]:
// l[:, t] is the distribution of the code that will produce token t+1 (it has not seen it).
// cache (may be nil) is the policy's own cache, following batch like the backbone's.
func (m *Model) PolicyLogits(h *ts.Tensor, batch *llama.Batch, cache *llama.KVCache) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		att := m.attention("policy.", h, batch, s)
		x := llama.RunBlocks(m.PolicyLayers, &m.Config.Config, h, att, cache, s)            // [B,T,d]
		x = s.T(m.PolicyNorm.ForwardAt(x, m.Config.NormEps, att.Hooks.Norm("ln_final", s))) // [B,T,d]
		out = s.Keep(att.Hooks.At("hook_logits", s.T(m.PolicyHead.Forward(x)), s))          // [B,T,C]
	})
	return out, err
}

// CodeEmbedding is e = W_cb[:, a] for codes a [B,T] (int64), giving [B,T,d].
func (m *Model) CodeEmbedding(codes *ts.Tensor) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		cb := m.CodeBook.W.MustT(false) // [C,d], a view
		defer cb.MustDrop()
		out = ts.MustEmbedding(cb, codes, -1, false, false)
	})
	return out, err
}

// Grad says which path of the world model's output o = norm(s) - h carries the gradient back to
// a live (not detached) h. Inference and stage 1, whose h is detached, need no choice.
type Grad int

const (
	GradBoth     Grad = iota // norm(s) - h
	GradNorm                 // norm(s) - h.detach(): FTA-I, through the merge path and the norm
	GradResidual             // norm(s).detach() - h: FTA-P, only through -h
)

// WorldModelState is the world model up to the output head, for code embeddings e [B,T,d] at
// each position of h [B,T,d]:
//
//	s = h;  for each merge MLP:  s = s + down(silu(gate([s;e])) * up([s;e]))
//	o = final_norm(s) - h                                            [B,T,d]
//
// with the backbone's own final norm; lm_head(o) are the next-token logits. No attention: each
// position stands alone. Intermediates and the result belong to sc. A checkpoint whose config
// says wm_minus_h = false outputs o = final_norm(s); g then only says whether h is detached.
func (m *Model) WorldModelState(h, e *ts.Tensor, g Grad, sc *tensor.Scope) *ts.Tensor {
	hk := m.follow("wm.", h)
	s := h
	for i, mlp := range m.Merge {
		x := sc.T(ts.MustCat([]*ts.Tensor{s, e}, -1)) // [B,T,2d]
		s = sc.T(s.MustAdd(hk.Nth("merge", i).At("hook_out", sc.T(mlp.Forward(x, sc)), sc), false))
	}
	n := sc.T(m.Norm.ForwardAt(s, m.Config.NormEps, hk.Norm("ln_final", sc)))
	if !m.Config.MinusH() {
		return n
	}
	switch g {
	case GradNorm:
		return sc.T(n.MustSub(sc.T(h.MustDetach(false)), false))
	case GradResidual:
		return sc.T(sc.T(n.MustDetach(false)).MustSub(h, false))
	}
	return sc.T(n.MustSub(h, false))
}

// WorldModelLogits gives the next-token logits [B,T,V] when code a_t [B,T] (int64) is taken at
// each position of h [B,T,d]: lm_head(WorldModelState(h, W_cb[:, a])).
func (m *Model) WorldModelLogits(h, codes *ts.Tensor) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		hk := m.follow("", h)
		codes = hookCodes(hk, codes, s)
		e, err := m.CodeEmbedding(codes) // [B,T,d]
		if err != nil {
			panic(err)
		}
		e = hk.At("action.hook_embed", s.T(e), s)
		l := s.T(m.LMHead.Forward(m.WorldModelState(h, e, GradBoth, s))) // [B,T,V]
		out = s.Keep(hk.At("wm.hook_logits", l, s))
	})
	return out, err
}
