package rl

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// PPOClip is the clipped surrogate of one sequence's action tokens, in plain Go (the reference
// for the tensor version): the mean over tokens of
//
//	-min(ratio*A, clip(ratio, 1-eps, 1+eps)*A),   ratio = exp(logp - old)
//
// and the fraction of tokens whose ratio was clipped in the direction of the advantage (TRL's
// clip_ratio: ratio > 1+eps with A > 0, or ratio < 1-eps with A < 0).
func PPOClip(logp, old, adv []float64, eps float64) (loss, clipped float64) {
	if len(logp) == 0 {
		return 0, 0
	}
	for t := range logp {
		r := math.Exp(logp[t] - old[t])
		s1 := r * adv[t]
		s2 := clamp(r, 1-eps, 1+eps) * adv[t]
		loss += -math.Min(s1, s2)
		if (r > 1+eps && adv[t] > 0) || (r < 1-eps && adv[t] < 0) {
			clipped++
		}
	}
	n := float64(len(logp))
	return loss / n, clipped / n
}

// policyLoss is PPOClip over a laid-out batch: logp (with grad), old, adv and w (Layout.Weight)
// are [B,L]; the loss of each rollout row is its token mean; the result is their sum (the caller
// divides by the rows of the optimiser batch). Owned by s, except the result.
func policyLoss(logp, old, adv, w *ts.Tensor, eps float64, s *tensor.Scope) *ts.Tensor {
	ratio := s.T(s.T(logp.MustSub(old, false)).MustExp(false)) // [B,L]
	s1 := s.T(ratio.MustMul(adv, false))                       // [B,L]
	s2 := s.T(s.T(ratio.MustClamp(tensor.Scalar(1-eps), tensor.Scalar(1+eps), false)).MustMul(adv, false))
	tok := s.T(s.T(s1.MustMinimum(s2, false)).MustNeg(false)) // [B,L]
	return rowMeanSum(tok, w, s)
}

// k3Loss is the k3 estimate of KL(pi || pi_ref) per token, exp(ref-logp) - 1 + (logp-ref), as
// rowMeanSum.
func k3Loss(logp, ref, w *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	d := s.T(logp.MustSub(ref, false))
	k := s.T(s.T(s.T(s.T(d.MustNeg(false)).MustExp(false)).MustSubScalar(tensor.Scalar(1), false)).MustAdd(d, false))
	return rowMeanSum(k, w, s)
}

// valueLoss is the clipped value loss 0.5*max((v-R)^2, (old + clip(v-old, ±c) - R)^2), as rowMeanSum.
func valueLoss(v, old, ret, w *ts.Tensor, c float64, s *tensor.Scope) *ts.Tensor {
	l1 := s.T(s.T(v.MustSub(ret, false)).MustSquare(false))
	vc := s.T(s.T(s.T(v.MustSub(old, false)).MustClamp(tensor.Scalar(-c), tensor.Scalar(c), false)).MustAdd(old, false))
	l2 := s.T(s.T(vc.MustSub(ret, false)).MustSquare(false))
	l := s.T(s.T(l1.MustMaximum(l2, false)).MustMulScalar(tensor.Scalar(0.5), false))
	return rowMeanSum(l, w, s)
}

// rowMeanSum is sum_t x*w: with w a Layout's Weight, the sum over rollout rows of each row's mean
// over its action slots.
func rowMeanSum(x, w *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	return s.T(x.MustMul(w, false)).MustSum(gotch.Float, false)
}

// actionLogProbs is log_softmax(logits/tau) [B,L,K] gathered at actions [B,L] (int64), giving
// [B,L], and the entropy of the same distribution [B,L] (no grad).
func actionLogProbs(logits, actions *ts.Tensor, tau float64, s *tensor.Scope) (logp, entropy *ts.Tensor) {
	scaled := logits
	if tau != 1 {
		scaled = s.T(logits.MustDivScalar(tensor.Scalar(tau), false))
	}
	lsm := s.T(scaled.MustLogSoftmax(-1, gotch.Float, false))                                                         // [B,L,K]
	logp = s.T(s.T(lsm.MustGather(2, s.T(actions.MustUnsqueeze(-1, false)), false, false)).MustSqueezeDim(-1, false)) // [B,L]
	tensor.NoGrad(func() {
		d := s.T(lsm.MustDetach(false))
		p := s.T(d.MustExp(false))
		entropy = s.T(s.T(s.T(p.MustMul(d, false)).MustSumDimIntlist([]int64{-1}, false, gotch.Float, false)).MustNeg(false))
	})
	return logp, entropy
}
