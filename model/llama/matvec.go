package llama

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// MatVec routes single-row projections (batch-1 decode) through matrix-vector products. With
// Debian's libtorch and OpenBLAS, F.linear on one row is an sgemm with M = 1, about 3x slower
// than the sgemv of W·x on the same weights (sgemm also packs W first), and decode at batch 1 is
// all such rows. The default is on; off gives the straightforward linear layers, the reference
// the fast path is tested against. The compiled step follows the same rule.
var MatVec = true

// linear is x W^T for x [...,in] and W [out,in], giving [...,out]; intermediates belong to s.
func linear(x, w *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	sz := x.MustSize()
	if !MatVec || rows(sz) != 1 {
		return ts.MustLinear(x, w, ts.None)
	}
	out := append(append([]int64(nil), sz[:len(sz)-1]...), w.MustSize()[0])
	v := s.T(x.MustReshape([]int64{-1}, false))       // [in]
	return w.MustMatmul(v, false).MustView(out, true) // 2-D times 1-D: libtorch's mv
}

// rows is the number of rows of a [...,in] shape.
func rows(sz []int64) int64 {
	n := int64(1)
	for _, d := range sz[:len(sz)-1] {
		n *= d
	}
	return n
}
