package llama

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/tensor"
)

// headHooks passes the query heads and the key heads of qk [B,T,nH+nKV,hd] through the hooks
// qName ([B,T,nH,hd]) and kName ([B,T,nKV,hd]); qk itself when neither replaces its part.
func headHooks(hk *hooks.Run, qName, kName string, qk *ts.Tensor, nH int64, s *tensor.Scope) *ts.Tensor {
	if !hk.Has(qName) && !hk.Has(kName) {
		return qk
	}
	heads := qk.MustSize()[2]
	q := s.T(qk.MustNarrow(2, 0, nH, false))
	k := s.T(qk.MustNarrow(2, nH, heads-nH, false))
	q2, k2 := hk.At(qName, q, s), hk.At(kName, k, s)
	if q2 == q && k2 == k {
		return qk
	}
	return s.T(ts.MustCat([]*ts.Tensor{q2, k2}, 2))
}

// HookNames lists the model's hook points in forward order (TransformerLens's names).
func (m *Model) HookNames() []string { return hooks.Llama(m.Config.Layers) }

// hookRun starts the backbone's hooks for tokens [B,T] in batch (nil when none is set).
func (m *Model) hookRun(batch *Batch, B, T int) *hooks.Run {
	return m.Hooks.Start(B, T, func() []int64 { return batch.Positions(T) })
}
