package llama

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/tensor"
)

// The mask of a padded prefill exists in every compute dtype (float16's range ends at 65504), is
// 0 where a slot is visible and far below any score where it is hidden, and stays finite once
// scores are added to it, so that a padding query's row, which hides every slot, stays finite.
func TestMaskInEveryDType(t *testing.T) {
	cfg := &Config{Dim: 16, Heads: 2, KVHeads: 2, RopeTheta: 10000}
	for _, dt := range []gotch.DType{gotch.Float, gotch.BFloat16, gotch.Half} {
		t.Run(tensor.DTypeShort(dt), func(t *testing.T) {
			s := &tensor.Scope{}
			defer s.Close()
			r := NewRope(cfg, gotch.CPU, dt)
			defer r.Free()
			b := &Batch{Pad: []int{2, 0}}
			var att *Attention
			if err := tensor.Guard(func() { att = b.Attention(r, 4, s) }); err != nil {
				t.Fatal(err)
			}
			if got := att.Mask.DType(); got != dt {
				t.Fatalf("mask dtype %v, want %v", got, dt)
			}
			m := tensor.Float32s(att.Mask) // [2,1,4,4]
			for i, v := range m {
				seq, q, k := i/16, i/4%4, i%4
				visible := k <= q && k >= b.Pad[seq]
				switch {
				case visible && v != 0:
					t.Errorf("seq %d query %d slot %d: visible, mask %g", seq, q, k, v)
				case !visible && !(v <= -3e4 && !math.IsInf(float64(v), 0)):
					t.Errorf("seq %d query %d slot %d: hidden, mask %g (want finite, <= -3e4)", seq, q, k, v)
				}
			}
			// Scores of either sign added in the dtype itself leave every entry finite.
			scores := s.T(s.T(att.Mask.MustOnesLike(false)).MustMulScalar(tensor.Scalar(-1000), true))
			sum := tensor.Float32s(s.T(att.Mask.MustAdd(scores, false)))
			for i, v := range sum {
				if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
					t.Fatalf("entry %d: mask + score = %g", i, v)
				}
			}
		})
	}
}
