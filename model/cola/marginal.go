package cola

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// MarginalLogProbs is the latent-action model's own token distribution, the codes summed out:
//
//	log p(x_{t+1}) = log sum_a softmax(l_t)[a] * p_WM(x_{t+1} | h_t, a)
//
// for policy logits l [B,N,C] at the first N positions of h [B,T,d] and targets tgt [B,N]
// (int64), giving [B,N]. The world model runs once per code at each position, without a
// gradient: what is learnt through this is the policy.
func (m *Model) MarginalLogProbs(h, l, tgt *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	sz := l.MustSize()
	B, N, C := sz[0], sz[1], sz[2]
	var lpx *ts.Tensor // [B,N,C]: log p_WM(x_{t+1} | h_t, a) for every code a
	tensor.NoGrad(func() {
		d := h.MustSize()[2]
		hn := s.T(h.MustNarrow(1, 0, N, false))                                                  // [B,N,d]
		hc := s.T(s.T(hn.MustUnsqueeze(2, false)).MustExpand([]int64{B, N, C, d}, false, false)) // [B,N,C,d]
		hc = s.T(hc.MustReshape([]int64{B * N, C, d}, false))
		codes := s.T(ts.MustArange(tensor.Scalar(float64(C)), gotch.Int64, h.MustDevice()))
		codes = s.T(s.T(codes.MustUnsqueeze(0, false)).MustExpand([]int64{B * N, C}, false, false))
		wm, err := m.WorldModelLogits(hc, codes) // [B*N,C,V]
		if err != nil {
			panic(err)
		}
		lsm := s.T(s.T(wm).MustLogSoftmax(-1, gotch.Float, false)) // [B*N,C,V]
		idx := s.T(s.T(tgt.MustReshape([]int64{B * N, 1, 1}, false)).MustExpand([]int64{B * N, C, 1}, false, false))
		lpx = s.T(s.T(lsm.MustGather(2, idx, false, false)).MustReshape([]int64{B, N, C}, false))
	})
	lpi := s.T(l.MustLogSoftmax(-1, gotch.Float, false)) // [B,N,C]
	joint := s.T(lpi.MustAdd(lpx, false))
	return s.T(joint.MustLogsumexp([]int64{-1}, false, false))
}
