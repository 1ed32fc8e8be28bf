package train

import (
	"math"
	"math/rand/v2"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/tensor"
)

// batchTensors turns sequences into x [B,T] (int64) and the target mask m [B,T-1] (float32):
// m[b,t] = 1 when token t+1 of sequence b is a target. tgt [B,T-1] holds tokens 1..T-1.
func batchTensors(seqs []Seq, dev gotch.Device, s *tensor.Scope) (x, tgt, mask *ts.Tensor, n int) {
	B, T := len(seqs), len(seqs[0].Tokens)
	flat := make([]int64, 0, B*T)
	tg := make([]int64, 0, B*(T-1))
	mk := make([]float32, 0, B*(T-1))
	for _, q := range seqs {
		flat = append(flat, q.Tokens...)
		tg = append(tg, q.Tokens[1:]...)
		for _, l := range q.Loss[1:] {
			if l {
				mk = append(mk, 1)
				n++
			} else {
				mk = append(mk, 0)
			}
		}
	}
	x = s.T(tensor.FromInt64s(flat, []int64{int64(B), int64(T)}, dev))
	tgt = s.T(tensor.FromInt64s(tg, []int64{int64(B), int64(T - 1)}, dev))
	mask = s.T(tensor.FromFloat32s(mk, []int64{int64(B), int64(T - 1)}, dev))
	return x, tgt, mask, n
}

// head drops the last position of a [B,T,...] tensor: [B,T-1,...].
func head(t *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	T := t.MustSize()[1]
	return s.T(t.MustNarrow(1, 0, T-1, false))
}

// maskedMean is sum(v*mask)/max(1, sum(mask)) for v, mask [B,T-1], a scalar.
func maskedMean(v, mask *ts.Tensor, n int, s *tensor.Scope) *ts.Tensor {
	tot := s.T(s.T(v.MustMul(mask, false)).MustSum(gotch.Float, false))
	return s.T(tot.MustDivScalar(tensor.Scalar(float64(max(n, 1))), false))
}

// nll is the per-position negative log-likelihood of tgt [B,N] under logits [B,N,V]: [B,N].
func nll(logits, tgt *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	lp := s.T(logits.MustLogSoftmax(-1, gotch.Float, false))
	idx := s.T(tgt.MustUnsqueeze(-1, false))
	g := s.T(lp.MustGather(-1, idx, false, false)) // [B,N,1]
	return s.T(s.T(g.MustSqueezeDim(-1, false)).MustNeg(false))
}

// gumbel fills a [B,T,C] tensor with standard Gumbel noise drawn from rng in Go, so the noise is
// part of the trainer's saved state.
func gumbel(rng *rand.Rand, shape []int64, dev gotch.Device) *ts.Tensor {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		u := (float64(rng.Uint64()>>11) + 0.5) / (1 << 53) // (0,1)
		v[i] = float32(-math.Log(-math.Log(u)))
	}
	return tensor.FromFloat32s(v, shape, dev)
}

// usageKL is KL(u || uniform) = log C - H(u) for u, the mean over target positions of the soft
// code probabilities p [B,N,C] (mask [B,N]): zero when the batch uses every code equally. Stage 1
// may add it to the paper's loss to keep codes alive (Config.UsageCoef).
func usageKL(p, mask *ts.Tensor, n int, s *tensor.Scope) *ts.Tensor {
	C := p.MustSize()[2]
	w := s.T(p.MustMul(s.T(mask.MustUnsqueeze(-1, false)), false))                                                                       // [B,N,C]
	u := s.T(s.T(w.MustSumDimIntlist([]int64{0, 1}, false, gotch.Float, false)).MustDivScalar(tensor.Scalar(float64(max(n, 1))), false)) // [C]
	ulogu := s.T(u.MustMul(s.T(s.T(u.MustClampMin(tensor.Scalar(1e-12), false)).MustLog(false)), false))
	negH := s.T(ulogu.MustSum(gotch.Float, false))
	return s.T(negH.MustAddScalar(tensor.Scalar(math.Log(float64(C))), false))
}

// marginalNLL is -log p(x_{t+1}) under the latent-action model with the world model frozen
// (cola.Model.MarginalLogProbs), for policy logits l [B,N,C] at the first N positions of h
// [B,T,d] and targets tgt [B,N]: [B,N]. Its gradient reaches the policy only, and pulls it
// towards every code whose world-model token is the data's, in proportion to how likely the
// world model makes it (Config.BCLoss = BCMarginal).
func marginalNLL(m *cola.Model, h, l, tgt *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	return s.T(m.MarginalLogProbs(h, l, tgt, s).MustNeg(false))
}
