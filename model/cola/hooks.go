package cola

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/llama"
	"colash/model/tensor"
)

// HookNames lists the model's hook points in forward order: the backbone's, then idm.*,
// policy.*, action.* and wm.* (see hooks.CoLA).
func (m *Model) HookNames() []string {
	c := m.Config
	return hooks.CoLA(c.Layers, c.NumActionLayer, c.NumPolicyLayer, c.NumDynaLayer)
}

// attention is batch.Attention for a module's blocks over h [B,T,d], with the module's hooks
// (names under prefix).
func (m *Model) attention(prefix string, h *ts.Tensor, batch *llama.Batch, s *tensor.Scope) *llama.Attention {
	sz := h.MustSize()
	att := batch.Attention(m.Rope, sz[1], s)
	att.Hooks = m.Hooks.Run(prefix, int(sz[0]), int(sz[1]), func() []int64 { return batch.Positions(int(sz[1])) })
	return att
}

// follow starts the hooks of a module that reads h [B,T,d] without a batch (see hooks.Follow).
func (m *Model) follow(prefix string, h *ts.Tensor) *hooks.Run {
	if m.Hooks.Len() == 0 {
		return nil
	}
	sz := h.MustSize()
	return m.Hooks.Follow(prefix, int(sz[0]), int(sz[1]))
}

// hookCodes passes codes [B,T] (int64) through action.hook_code as [B,T,1] floats; a
// replacement is rounded to the nearest code.
func hookCodes(hk *hooks.Run, codes *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	if !hk.Has("action.hook_code") {
		return codes
	}
	f := s.T(codes.MustUnsqueeze(-1, false).MustTotype(gotch.Float, true)) // [B,T,1]
	g := hk.At("action.hook_code", f, s)
	if g == f {
		return codes
	}
	return s.T(g.MustRound(false).MustTotype(gotch.Int64, true).MustSqueezeDim(-1, true))
}
