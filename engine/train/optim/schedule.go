package optim

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Schedule is linear warmup then cosine decay to a floor, as litgpt's pretraining (and
// transformers' cosine_with_min_lr) does:
//
//	step < Warmup:            LR · (step+1)/Warmup
//	Warmup <= step < Total:   Min + (LR−Min) · ½(1 + cos(π · (step−Warmup)/(Total−Warmup)))
//	step >= Total:            Min
//
// step counts optimiser updates from 0.
type Schedule struct {
	LR, Min       float64
	Warmup, Total int
}

// At is the learning rate of update step.
func (s Schedule) At(step int) float64 {
	if step < s.Warmup {
		return s.LR * float64(step+1) / float64(s.Warmup)
	}
	if step >= s.Total || s.Total <= s.Warmup {
		return s.Min
	}
	frac := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	return s.Min + (s.LR-s.Min)*0.5*(1+math.Cos(math.Pi*frac))
}

// Validate checks the schedule's numbers.
func (s Schedule) Validate() error {
	if s.LR <= 0 || s.Min < 0 || s.Min > s.LR || s.Warmup < 0 || s.Total <= 0 {
		return fmt.Errorf("schedule: want 0 <= min-lr <= lr, lr > 0, warmup >= 0, steps > 0 (got lr %g, min %g, warmup %d, steps %d)",
			s.LR, s.Min, s.Warmup, s.Total)
	}
	return nil
}

// GradNorm is the global L2 norm of the gradients of params (those without one count as zero),
// accumulated in float64.
func GradNorm(params []Param) (float64, error) {
	var sq float64
	err := tensor.Guard(func() {
		for _, p := range params {
			g := p.W.MustGrad(false)
			if g.MustDefined() {
				n := g.MustTotype(gotch.Double, false).MustSquare(true).MustSum(gotch.Double, true)
				sq += Scalar(n)
				n.MustDrop()
			}
			g.MustDrop()
		}
	})
	return math.Sqrt(sq), err
}

// ClipGradNorm scales all gradients by maxNorm/(norm+1e-6) when their global norm exceeds maxNorm,
// as torch.nn.utils.clip_grad_norm_ does, and returns the norm before clipping. maxNorm <= 0 only
// measures.
func ClipGradNorm(params []Param, maxNorm float64) (float64, error) {
	norm, err := GradNorm(params)
	if err != nil || maxNorm <= 0 || norm <= maxNorm {
		return norm, err
	}
	coef := maxNorm / (norm + 1e-6)
	return norm, tensor.Guard(func() {
		for _, p := range params {
			g := p.W.MustGrad(false)
			if g.MustDefined() {
				g.MustMulScalar_(tensor.Scalar(coef))
			}
			g.MustDrop()
		}
	})
}

// Scalar reads a one-element tensor as float64 (gotch's Float64Values leaves its float64 copy to
// the garbage collector; this frees it at once).
func Scalar(t *ts.Tensor) float64 {
	d := t.MustTotype(gotch.Double, false)
	defer d.MustDrop()
	v := make([]float64, 1)
	d.MustCopyData(v, 1)
	return v[0]
}
