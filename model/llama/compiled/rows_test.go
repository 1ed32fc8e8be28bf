package compiled

import (
	"fmt"
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// linearDiff is the largest difference between Linear(x, w) and F.linear(x, w), over the
// largest |F.linear(x, w)| (at least 1).
func linearDiff(t *testing.T, x, w *ts.Tensor) float64 {
	t.Helper()
	got, err := Linear(x, w)
	if err != nil {
		t.Fatal(err)
	}
	want := ts.MustLinear(x, w, ts.None)
	defer tensor.Drop(got, want)
	if g, w := got.MustSize(), want.MustSize(); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("Linear gave shape %v, F.linear %v", g, w)
	}
	diff := got.MustSub(want, false).MustAbs(true).MustMax(true).Float64Values()[0]
	scale := want.MustAbs(false).MustMax(true).Float64Values()[0]
	return diff / math.Max(1, scale)
}

// Linear's few-row kernel gives F.linear's products up to float32 rounding on every shape its
// loops split differently (K past a multiple of 16, N past a multiple of 4, an odd number of
// rows, 17 rows: F.linear itself), for leading axes and strided inputs; and a product whose
// input needs a gradient still gets one.
func TestLinearMatchesATen(t *testing.T) {
	for _, s := range [][2]int64{{64, 172}, {172, 64}, {128, 384}, {130, 7}, {16, 4}, {1, 3}} {
		K, N := s[0], s[1]
		w := randn(N, K)
		for M := int64(1); M <= 17; M++ {
			if d := linearDiff(t, randn(M, K), w); d > 1e-5 {
				t.Errorf("K=%d N=%d, %d rows: differs from F.linear by %.2g of its largest value", K, N, M, d)
			}
		}
		if d := linearDiff(t, randn(2, 3, K), w); d > 1e-5 {
			t.Errorf("K=%d N=%d, [2,3,K]: differs from F.linear by %.2g", K, N, d)
		}
		if d := linearDiff(t, randn(K, 5).MustT(true), w); d > 1e-5 {
			t.Errorf("K=%d N=%d, a transposed [5,K]: differs from F.linear by %.2g", K, N, d)
		}
	}
	w := randn(6, 40)
	x := randn(3, 40).MustSetRequiresGrad(true, false)
	y, err := Linear(x, w)
	if err != nil {
		t.Fatal(err)
	}
	y.MustSum(gotch.Float, true).MustBackward()
	want := w.MustSumDimIntlist([]int64{0}, true, gotch.Float, false).MustExpand([]int64{3, 40}, false, true)
	if d := x.MustGrad(false).MustSub(want, true).MustAbs(true).MustMax(true).Float64Values()[0]; d > 1e-5 {
		t.Errorf("the gradient through Linear differs from w's column sums by %g", d)
	}
}

// x W^T for a few rows, at a search's and a short prompt's shapes (testbed d=128, and d=1024
// with FFN 2816), one thread: "kernel" is Linear; "aten" is F.linear, and for one row "mv",
// what a PyTorch engineer calls for float32 decode at batch 1.
//
//	go test ./model/llama/compiled -run XXX -bench LinearRows -count 3
func BenchmarkLinearRows(b *testing.B) {
	tensor.SetThreads(1)
	for _, s := range [][2]int64{{128, 384}, {384, 128}, {1024, 2816}, {2816, 1024}} {
		K, N := s[0], s[1]
		w := randn(N, K)
		for _, M := range []int64{1, 3, 10, 16} {
			x := randn(M, K)
			name := fmt.Sprintf("K=%d/N=%d/rows=%d", K, N, M)
			b.Run(name+"/kernel", func(b *testing.B) {
				for range b.N {
					y, err := Linear(x, w)
					if err != nil {
						b.Fatal(err)
					}
					y.MustDrop()
				}
			})
			b.Run(name+"/aten", func(b *testing.B) {
				for range b.N {
					ts.MustLinear(x, w, ts.None).MustDrop()
				}
			})
			if M == 1 {
				v := x.MustView([]int64{K}, false)
				b.Run(name+"/mv", func(b *testing.B) {
					for range b.N {
						w.MustMv(v, false).MustDrop()
					}
				})
			}
		}
	}
}
