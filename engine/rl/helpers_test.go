package rl

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
	"colash/model/tokenizer"
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

// firstExperience is a trainer of tk with cfg (closed when the test ends) and its first step's
// experience.
func firstExperience(t *testing.T, a Actor, tok tokenizer.Tokenizer, tk Task, cfg Config) (*Trainer, *Batch) {
	t.Helper()
	tr, err := NewTrainer(a, tok, tk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	b, err := tr.Experience(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return tr, b
}
