// Package optim holds the optimiser pieces shared by CoLA training and latent-action RL: AdamW
// over gotch tensors with parameter groups, a warmup + cosine learning-rate schedule, global-norm
// gradient clipping, and optimiser state that is saved and restored exactly.
//
// Gradient accumulation is libtorch's own: gradients of successive backward passes add up in
// each parameter's .grad until ZeroGrad, so a trainer runs k micro-batches with loss/k and then
// calls Clip and Step once.
package optim

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Param is one trainable weight: a leaf tensor that requires grad, and the group it belongs to.
type Param struct {
	Name  string
	W     *ts.Tensor
	Group string // "" is the default group
}

// Group holds per-group hyperparameters. The paper's CoLA recipe puts the codebook in a group
// without weight decay; everything else decays at 0.01 (torch's AdamW default).
type Group struct {
	WeightDecay float64
	LRScale     float64 // multiplies the scheduled learning rate (0 means 1)
}

// Config is AdamW's hyperparameters; DefaultConfig gives torch's defaults.
type Config struct {
	Beta1, Beta2, Eps float64
	WeightDecay       float64          // default group
	Groups            map[string]Group // named groups
}

// DefaultConfig is torch.optim.AdamW's defaults (betas 0.9/0.999, eps 1e-8, weight decay 0.01).
func DefaultConfig() Config {
	return Config{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
}

// AdamW is decoupled-weight-decay Adam (Loshchilov & Hutter), step for step as
// torch.optim.AdamW (amsgrad off, maximize off):
//
//	w ← w·(1 − lr·wd)
//	m ← β1·m + (1−β1)·g        v ← β2·v + (1−β2)·g²
//	w ← w − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
//
// Moments are tensors of each weight's dtype (bf16 weights get bf16 moments: there is no float32
// master copy), owned by the optimiser (Free releases them), so State can save them.
type AdamW struct {
	Cfg    Config
	Params []Param
	M, V   []*ts.Tensor
	Steps  int64 // updates taken
}

// NewAdamW makes an optimiser over params with zero moments. Every weight must require grad.
func NewAdamW(params []Param, cfg Config) (*AdamW, error) {
	o := &AdamW{Cfg: cfg, Params: params}
	err := tensor.Guard(func() {
		seen := map[string]bool{}
		for _, p := range params {
			if seen[p.Name] {
				panic(fmt.Errorf("optim: parameter %q listed twice", p.Name))
			}
			seen[p.Name] = true
			if !p.W.MustRequiresGrad() {
				panic(fmt.Errorf("optim: parameter %q does not require grad", p.Name))
			}
			if _, ok := cfg.Groups[p.Group]; p.Group != "" && !ok {
				panic(fmt.Errorf("optim: parameter %q: unknown group %q", p.Name, p.Group))
			}
			o.M = append(o.M, p.W.MustZerosLike(false))
			o.V = append(o.V, p.W.MustZerosLike(false))
		}
	})
	if err != nil {
		o.Free()
		return nil, err
	}
	return o, nil
}

// group returns the weight decay and learning-rate scale of p.
func (o *AdamW) group(p Param) (wd, scale float64) {
	if p.Group == "" {
		return o.Cfg.WeightDecay, 1
	}
	g := o.Cfg.Groups[p.Group]
	scale = g.LRScale
	if scale == 0 {
		scale = 1
	}
	return g.WeightDecay, scale
}

// Step applies one update at learning rate lr with the gradients now held by the parameters.
// A parameter without a gradient (unused in the loss) is skipped, as torch does, but the step
// counter is shared.
func (o *AdamW) Step(lr float64) error {
	o.Steps++
	t := float64(o.Steps)
	b1, b2 := o.Cfg.Beta1, o.Cfg.Beta2
	bc1 := 1 - math.Pow(b1, t)
	bc2 := 1 - math.Pow(b2, t)
	return tensor.Guard(func() {
		for i, p := range o.Params {
			g := p.W.MustGrad(false)
			if !g.MustDefined() {
				g.MustDrop()
				continue
			}
			s := &tensor.Scope{}
			s.T(g)
			wd, scale := o.group(p)
			plr := lr * scale
			w := s.T(p.W.MustDetach(false)) // alias: in-place updates reach the leaf
			if wd != 0 {
				w.MustMulScalar_(tensor.Scalar(1 - plr*wd))
			}
			m, v := o.M[i], o.V[i]
			m.MustMulScalar_(tensor.Scalar(b1))
			m.MustAdd_(s.T(g.MustMulScalar(tensor.Scalar(1-b1), false)))
			v.MustMulScalar_(tensor.Scalar(b2))
			v.MustAddcmul_(g, s.T(g.MustMulScalar(tensor.Scalar(1-b2), false)))
			denom := s.T(v.MustSqrt(false))
			denom.MustDivScalar_(tensor.Scalar(math.Sqrt(bc2)))
			denom.MustAddScalar_(tensor.Scalar(o.Cfg.Eps))
			upd := s.T(m.MustDiv(denom, false))
			upd.MustMulScalar_(tensor.Scalar(plr / bc1))
			w.MustSub_(upd)
			s.Close()
		}
	})
}

// ZeroGrad sets every parameter's gradient to zero (gradients accumulate until then).
func (o *AdamW) ZeroGrad() error { return ZeroGrad(o.Params) }

// ZeroGrad zeroes the gradients of params that have one.
func ZeroGrad(params []Param) error {
	return tensor.Guard(func() {
		for _, p := range params {
			g := p.W.MustGrad(false)
			if g.MustDefined() {
				g.MustZero_()
			}
			g.MustDrop()
		}
	})
}

// Grads returns every parameter's gradient, in order (handles the caller drops): what a
// data-parallel step reduces over processes. A parameter without one (its rows did not reach it)
// is given a zero gradient first, so that every rank lists the same tensors, whatever its data,
// and the collective's buckets line up.
func Grads(params []Param) (gs []*ts.Tensor, err error) {
	err = tensor.Guard(func() {
		for _, p := range params {
			g := p.W.MustGrad(false)
			if !g.MustDefined() {
				g.MustDrop()
				zeroGrad(p.W)
				g = p.W.MustGrad(false)
			}
			gs = append(gs, g)
		}
	})
	return gs, err
}

// zeroGrad defines w's gradient as zeros: libtorch offers no setter through gotch, so it
// back-propagates a loss that is 0·sum(w).
func zeroGrad(w *ts.Tensor) {
	s := &tensor.Scope{}
	defer s.Close()
	sum := s.T(w.MustSum(gotch.Float, false))
	s.T(sum.MustMulScalar(tensor.Scalar(0), false)).MustBackward()
}

// Tensors are the weights, then the first and the second moments: the optimiser's whole state
// but the step count (what the ranks of a data-parallel run start from).
func (o *AdamW) Tensors() []*ts.Tensor {
	out := make([]*ts.Tensor, 0, 3*len(o.Params))
	for _, p := range o.Params {
		out = append(out, p.W)
	}
	return append(append(out, o.M...), o.V...)
}

// Free releases the moments.
func (o *AdamW) Free() {
	tensor.Drop(o.M...)
	tensor.Drop(o.V...)
	o.M, o.V = nil, nil
}
