package compiled

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// A decode step's attention as a search's batch has it: 16 sequences, 4/2 heads of 32, 160 slots,
// each sequence left-padded by 0 to 80 slots (the mask's -1e9). "kernel" is Attend (attendKernel);
// "aten" is the same attention as a PyTorch expert writes it in eager mode, query heads grouped
// by their key/value head so that no key is copied: two batched products and a softmax.
//
//	go test ./model/llama/compiled -run XXX -bench AttendDecodeStep -count 5
func BenchmarkAttendDecodeStep(b *testing.B) {
	const B, nH, nKV, S, hd = 16, 4, 2, 160, 32
	q, k, v := randn(B, nH, 1, hd), randn(B, nKV, S, hd), randn(B, nKV, S, hd)
	m := make([]float32, B*S)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range B {
		for s := range r.IntN(81) {
			m[i*S+s] = -1e9
		}
	}
	mask := ts.MustOfSlice(m).MustView([]int64{B, 1, 1, S}, true)
	tensor.SetThreads(1)
	b.Run("kernel", func(b *testing.B) {
		for range b.N {
			o, err := Attend(q, k, v, mask, false)
			if err != nil {
				b.Fatal(err)
			}
			o.MustDrop()
		}
	})
	b.Run("aten", func(b *testing.B) {
		scale := ts.FloatScalar(1 / math.Sqrt(hd))
		for range b.N {
			err := tensor.Guard(func() {
				s := &tensor.Scope{}
				defer s.Close()
				qg := s.T(q.MustView([]int64{B, nKV, nH / nKV, hd}, false))             // [B,nKV,g,hd]
				sc := s.T(qg.MustMatmul(s.T(k.MustTranspose(2, 3, false)), false))      // [B,nKV,g,S]
				sc = s.T(sc.MustMulScalar(scale, false))                                //
				sc = s.T(sc.MustAdd(mask, false))                                       // mask [B,1,1,S]
				p := s.T(sc.MustSoftmax(-1, gotch.Float, false))                        //
				s.T(s.T(p.MustMatmul(v, false)).MustView([]int64{B, nH, 1, hd}, false)) // [B,nH,1,hd]
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The decode kernel skips hidden slots: a sequence padded on the left gets what it gets unpadded,
// to the bit, and a query that sees no slot at all (a padding row) still gets ATen's average of
// every slot, not NaN.
func TestAttendKernelSkipsHiddenSlots(t *testing.T) {
	const nH, nKV, S, pad, hd = 4, 2, 9, 5, 32
	q, k, v := randn(1, nH, 1, hd), randn(1, nKV, S, hd), randn(1, nKV, S, hd)
	alone, err := Attend(q, k, v, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	// The same keys after pad hidden slots of other values.
	kp := ts.MustCat([]*ts.Tensor{randn(1, nKV, pad, hd), k}, 2)
	vp := ts.MustCat([]*ts.Tensor{randn(1, nKV, pad, hd), v}, 2)
	m := make([]float32, pad+S)
	for s := range pad {
		m[s] = -1e9
	}
	padded, err := Attend(q, kp, vp, ts.MustOfSlice(m).MustView([]int64{1, 1, 1, pad + S}, true), false)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := tensor.Float32s(alone), tensor.Float32s(padded); maxDiff(a, b) != 0 {
		t.Errorf("padded by %d hidden slots the output moves by %g", pad, maxDiff(a, b))
	}
	for s := range m {
		m[s] = -1e9
	}
	none := ts.MustOfSlice(m).MustView([]int64{1, 1, 1, pad + S}, true)
	got, err := Attend(q, kp, vp, none, false)
	if err != nil {
		t.Fatal(err)
	}
	g := tensor.Float32s(got)
	if d := maxDiff(g, attendRef(t, q, kp, vp, none)); !(d < 1e-5) {
		t.Errorf("a query that sees nothing: %g from ATen's", d)
	}
}
