package rm

import (
	"github.com/sugarme/gotch"

	"colash/model/tensor"
)

// pairStats are sums over a micro-batch of pairs.
type pairStats struct {
	Loss   float64 // Σ −log σ(r_c − r_r)
	Acc    float64 // pairs with r_c > r_r
	Margin float64 // Σ (r_c − r_r)
}

// pairLoss scores the chosen and rejected answers of pairs in one padded batch [2P] and computes
// the Bradley-Terry loss. With grad it back-propagates mean(loss)·scale (the micro-batch's share
// of the update), so that gradients of successive calls add up to the batch mean.
func (m *Model) pairLoss(pairs []Pair, scale float64, grad bool) (st pairStats, err error) {
	P := int64(len(pairs))
	seqs := make([][]int, 0, 2*P)
	for _, p := range pairs {
		seqs = append(seqs, m.Encode(p.Prompt, p.Chosen))
	}
	for _, p := range pairs {
		seqs = append(seqs, m.Encode(p.Prompt, p.Rejected))
	}
	run := func() {
		s := &tensor.Scope{}
		defer s.Close()
		r, rerr := m.rewards(seqs, s) // [2P]
		if rerr != nil {
			err = rerr
			return
		}
		diff := s.T(s.T(r.MustNarrow(0, 0, P, false)).MustSub(s.T(r.MustNarrow(0, P, P, false)), false)) // r_c − r_r [P]
		nll := s.T(s.T(diff.MustLogSigmoid(false)).MustNeg(false))                                       // [P]
		if grad {
			loss := s.T(s.T(nll.MustMean(gotch.Float, false)).MustMulScalar(tensor.Scalar(scale), false))
			loss.MustBackward()
		}
		nl := tensor.Float32s(nll)
		for i, d := range tensor.Float32s(diff) {
			st.Margin += float64(d)
			if d > 0 {
				st.Acc++
			}
			st.Loss += float64(nl[i])
		}
	}
	gerr := tensor.Guard(func() {
		if grad {
			run()
		} else {
			tensor.NoGrad(run)
		}
	})
	return st, cmpErr(gerr, err)
}

// Accuracy is the fraction of pairs whose chosen answer scores above the rejected one, and their
// mean Bradley-Terry loss, batch pairs at a time (0: all at once), without gradients.
func (m *Model) Accuracy(pairs []Pair, batch int) (acc, loss float64, err error) {
	if len(pairs) == 0 {
		return 0, 0, nil
	}
	if batch <= 0 {
		batch = len(pairs)
	}
	for lo := 0; lo < len(pairs); lo += batch {
		st, err := m.pairLoss(pairs[lo:min(lo+batch, len(pairs))], 1, false)
		if err != nil {
			return 0, 0, err
		}
		acc, loss = acc+st.Acc, loss+st.Loss
	}
	n := float64(len(pairs))
	return acc / n, loss / n, nil
}
