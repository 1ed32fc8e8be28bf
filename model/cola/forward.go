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
		att := batch.Attention(m.Rope, T, s)
		x := llama.RunBlocks(m.ActionLayers, &m.Config.Config, h, att, nil, s)                      // [B,T,d]
		z := s.T(llama.Linear(s.T(llama.RMSNorm(x, m.ActionNorm, m.Config.NormEps)), m.ActionHead)) // [B,T,C]
		if T > 1 {
			next := s.T(z.MustNarrow(1, 1, T-1, false)) // z[:, 1:]
			last := s.T(z.MustNarrow(1, T-1, 1, false)) // z[:, T-1:]
			z = s.T(ts.MustCat([]*ts.Tensor{next, last}, 1))
		}
		out = s.Keep(z)
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
		att := batch.Attention(m.Rope, h.MustSize()[1], s)
		x := llama.RunBlocks(m.PolicyLayers, &m.Config.Config, h, att, cache, s)                // [B,T,d]
		out = llama.Linear(s.T(llama.RMSNorm(x, m.PolicyNorm, m.Config.NormEps)), m.PolicyHead) // [B,T,C]
	})
	return out, err
}

// CodeEmbedding is e = W_cb[:, a] for codes a [B,T] (int64), giving [B,T,d].
func (m *Model) CodeEmbedding(codes *ts.Tensor) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		cb := m.CodeBook.MustT(false) // [C,d], a view
		defer cb.MustDrop()
		out = ts.MustEmbedding(cb, codes, -1, false, false)
	})
	return out, err
}

// WorldModelLogits gives the next-token logits [B,T,V] when code a_t [B,T] (int64) is taken at
// each position of h [B,T,d]:
//
//	e = W_cb[:, a]
//	s = h;  for each merge MLP:  s = s + down(silu(gate([s;e])) * up([s;e]))
//	logits = lm_head(final_norm(s) - h)
//
// with the backbone's own final norm and lm_head. No attention: each position stands alone.
func (m *Model) WorldModelLogits(h, codes *ts.Tensor) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		e, err := m.CodeEmbedding(codes) // [B,T,d]
		if err != nil {
			panic(err)
		}
		s.T(e)
		st := h
		for _, mlp := range m.Merge {
			st = s.T(st.MustAdd(mlp.Forward(st, e, s), false)) // [B,T,d]
		}
		o := s.T(s.T(llama.RMSNorm(st, m.Norm, m.Config.NormEps)).MustSub(h, false)) // [B,T,d]
		out = m.Logits(o)                                                            // [B,T,V]
	})
	return out, err
}

// Forward is one merge MLP's residual branch, down(silu(gate([s;e])) * up([s;e])) [B,T,d].
func (mlp *MergeMLP) Forward(st, e *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	x := s.T(ts.MustCat([]*ts.Tensor{st, e}, -1))         // [B,T,2d]
	gate := s.T(llama.Linear(x, mlp.Gate).MustSilu(true)) // [B,T,ff]
	up := s.T(llama.Linear(x, mlp.Up))                    // [B,T,ff]
	return s.T(llama.Linear(s.T(gate.MustMul(up, false)), mlp.Down))
}
