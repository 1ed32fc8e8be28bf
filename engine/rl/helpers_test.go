package rl

import (
	"errors"
	"regexp"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

var errBad = errors.New("bad sample")

func mustRe(p string) *regexp.Regexp { return regexp.MustCompile(p) }

type tensorT = ts.Tensor

// tensorTest runs fn with a maker of [1,N] float tensors, all freed afterwards.
func tensorTest(fn func(func([]float32) *tensorT)) error {
	s := &tensor.Scope{}
	defer s.Close()
	return tensor.Guard(func() {
		fn(func(v []float32) *tensorT {
			return s.T(tensor.FromFloat32s(v, []int64{1, int64(len(v))}, gotch.CPU))
		})
	})
}

func lossValue(lp, old, adv, w *tensorT) float64 {
	s := &tensor.Scope{}
	defer s.Close()
	return float64(tensor.Float32s(s.T(policyLoss(lp, old, adv, w, 0.2, s)))[0])
}
