package train

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/train/optim"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// loss computes the stage's loss for this rank's rows of p (a scalar owned by s) and fills r's
// measurements.
func (t *Trainer) loss(p part, r *microResult, s *tensor.Scope) *ts.Tensor {
	if t.Cfg.Stage == StageLM {
		return t.lmLoss(p, r, s)
	}
	m, seqs := t.M, p.mine()
	x, tgt, mask, n := batchTensors(seqs, m.Device, s)
	r.n = n
	B, T := len(seqs), len(seqs[0].Tokens)
	batch := &llama.Batch{Pad: make([]int, B)}
	h := own(s)(m.Hidden(x, batch, nil)) // [B,T,d]; a graph only when the backbone trains
	hd := s.T(h.MustDetach(false))       // the paper's h.detach() for the CoLA modules
	C := int64(m.Config.NumCode)
	switch t.Cfg.Stage {
	case StageIDM:
		z := own(s)(m.IDMLogits(hd, batch)) // [B,T,C], shifted
		// Noise for the whole micro-batch, so that every rank's stream stays that of one process.
		g := s.T(gumbel(t.rng, []int64{int64(len(p.all)), int64(T), C}, m.Device))
		g = s.T(g.MustNarrow(0, int64(p.lo), int64(B), false))
		y := s.T(s.T(z.MustAdd(g, false)).MustDivScalar(tensor.Scalar(t.Cfg.Tau), false))
		p := s.T(y.MustSoftmax(-1, gotch.Float, false)) // soft Gumbel-softmax probabilities
		logp := s.T(y.MustLogSoftmax(-1, gotch.Float, false))
		idx := s.T(p.MustArgmax([]int64{-1}, false, false)) // [B,T]
		hard := s.T(s.T(idx.MustOneHot(C, false)).MustTotype(gotch.Float, true))
		// straight-through: a = onehot - p.detach() + p
		a := s.T(s.T(hard.MustSub(s.T(p.MustDetach(false)), false)).MustAdd(p, false)) // [B,T,C]
		if m.DType != gotch.Float {
			a = s.T(a.MustTotype(m.DType, false)) // the soft path is float32; the codebook may be bf16
		}
		e := s.T(m.CodeBook.Forward(a)) // [B,T,d]
		o := m.WorldModelState(hd, e, cola.GradBoth, s)
		logits := s.T(m.Logits(head(o, s)))                                                              // [B,T-1,V]
		ce := maskedMean(nll(logits, tgt, s), mask, n, s)                                                // scalar
		pl := s.T(s.T(p.MustMul(logp, false)).MustSumDimIntlist([]int64{-1}, false, gotch.Float, false)) // [B,T]
		negEnt := maskedMean(head3(pl, s), mask, n, s)
		loss := s.T(ce.MustAdd(s.T(negEnt.MustMulScalar(tensor.Scalar(t.Cfg.EntropyCoef), false)), false))
		if t.Cfg.UsageCoef != 0 {
			kl := usageKL(head(p, s), mask, n, s)
			loss = s.T(loss.MustAdd(s.T(kl.MustMulScalar(tensor.Scalar(t.Cfg.UsageCoef), false)), false))
			r.usageKL = scalar(kl)
		}
		r.ce, r.negEnt, r.loss = scalar(ce), scalar(negEnt), scalar(loss)
		r.codes = tensor.Int64s(head2(idx, s))
		r.valid = validOf(seqs)
		return loss
	case StageBC:
		z := own(s)(m.IDMLogits(hd, batch))
		labels := s.T(z.MustArgmax([]int64{-1}, false, false)) // [B,T] a*_t
		l := own(s)(m.PolicyLogits(hd, batch, nil))            // [B,T,C]
		ce := maskedMean(nll(head(l, s), head2(labels, s), s), mask, n, s)
		pred := s.T(head(l, s).MustArgmax([]int64{-1}, false, false))
		hit := s.T(s.T(pred.MustEqTensor(head2(labels, s), false)).MustTotype(gotch.Float, true))
		r.acc = scalar(maskedMean(hit, mask, n, s))
		r.loss, r.ce = scalar(ce), scalar(ce)
		if t.Cfg.BCLoss == BCMarginal {
			ml := maskedMean(marginalNLL(m, hd, head(l, s), tgt, s), mask, n, s)
			r.loss = scalar(ml)
			return ml
		}
		return ce
	default: // FTA
		var codes *ts.Tensor
		if t.Cfg.Stage == StageFTAI {
			z := own(s)(m.IDMLogits(hd, batch))
			codes = s.T(z.MustArgmax([]int64{-1}, false, false))
		} else {
			l := own(s)(m.PolicyLogits(hd, batch, nil))
			codes = s.T(l.MustArgmax([]int64{-1}, false, false))
		}
		e := own(s)(m.CodeEmbedding(codes))
		o := m.WorldModelState(h, e, ftaGrad(t.Cfg.Stage), s)
		logits := s.T(m.Logits(head(o, s)))
		ce := maskedMean(nll(logits, tgt, s), mask, n, s)
		r.loss, r.ce = scalar(ce), scalar(ce)
		return ce
	}
}

// own registers a forward result with s, or panics with its error (inside tensor.Guard).
func own(s *tensor.Scope) func(*ts.Tensor, error) *ts.Tensor {
	return func(t *ts.Tensor, err error) *ts.Tensor {
		if err != nil {
			panic(err)
		}
		return s.T(t)
	}
}

// head2 drops the last position of a [B,T] tensor.
func head2(t *ts.Tensor, s *tensor.Scope) *ts.Tensor { return head(t, s) }

// head3 is head for per-position values [B,T].
func head3(t *ts.Tensor, s *tensor.Scope) *ts.Tensor { return head(t, s) }

// scalar reads a one-element tensor.
func scalar(t *ts.Tensor) float64 { return optim.Scalar(t) }

// validOf flattens which positions 0..T-2 predict a target, [B*(T-1)].
func validOf(seqs []Seq) []bool {
	var v []bool
	for _, q := range seqs {
		v = append(v, q.Loss[1:]...)
	}
	return v
}

// ftaGrad is how the gradient of an FTA stage reaches the backbone through the world model. FTA-I:
// the world model sees the live h, so the gradient goes through the merge path and the final norm;
// the subtracted h is detached (the paper's non-deterministic mode). FTA-P: norm(s).detach() - h,
// the gradient only through -h (its deterministic, greedy-action mode).
func ftaGrad(st Stage) cola.Grad {
	if st == StageFTAP {
		return cola.GradResidual
	}
	return cola.GradNorm
}
