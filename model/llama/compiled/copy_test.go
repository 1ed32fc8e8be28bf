package compiled

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sugarme/gotch/ts"
)

// CopySlots moves the asked slots of the asked rows of every tensor, and only those; lists of
// different lengths and freed tensors are errors.
func TestCopySlots(t *testing.T) {
	src := []*ts.Tensor{randn(3, 2, 10, 4), randn(3, 2, 10, 4)}
	dst := []*ts.Tensor{ts.MustZeros([]int64{1, 2, 8, 4}, src[0].DType(), src[0].MustDevice()), ts.MustZeros([]int64{1, 2, 8, 4}, src[0].DType(), src[0].MustDevice())}
	// Row 2, slots 5..7 of each source, into slots 1..3 of each one-row destination.
	if err := CopySlots(dst, src, -1, 2, 1, 5, 3); err != nil {
		t.Fatal(err)
	}
	for i := range dst {
		want := src[i].MustNarrow(0, 2, 1, false).MustNarrow(2, 5, 3, true)
		got := dst[i].MustNarrow(2, 1, 3, false)
		if d := got.MustSub(want, true).MustAbs(true).MustMax(true).Float64Values()[0]; d != 0 {
			t.Errorf("tensor %d: copied slots differ by %g", i, d)
		}
		for _, r := range [][2]int64{{0, 1}, {4, 4}} { // slots 0 and 4..7 stay zero
			if m := dst[i].MustNarrow(2, r[0], r[1], false).MustAbs(true).MustMax(true).Float64Values()[0]; m != 0 {
				t.Errorf("tensor %d: slots %d..%d changed (largest %g)", i, r[0], r[0]+r[1]-1, m)
			}
		}
	}
	if err := CopySlots(dst[:1], src, -1, 0, 0, 0, 1); err == nil || !strings.Contains(err.Error(), "1 destinations for 2 sources") {
		t.Errorf("lists of different lengths: %v", err)
	}
	gone := randn(1, 2, 8, 4)
	gone.MustDrop()
	if err := CopySlots([]*ts.Tensor{gone}, src[:1], -1, 0, 0, 0, 1); err == nil {
		t.Error("a freed destination was not an error")
	}
}

// ZerosLike and KeepRows make what ATen's zeros_like and index_select make, in one call each.
func TestZerosLikeAndKeepRows(t *testing.T) {
	like := randn(3, 2, 5)
	zs, err := ZerosLike(like, 3)
	if err != nil || len(zs) != 3 {
		t.Fatalf("ZerosLike: %d tensors, %v", len(zs), err)
	}
	for _, z := range zs {
		if fmt.Sprint(z.MustSize()) != "[3 2 5]" || z.MustAbs(false).MustSum(z.DType(), true).Float64Values()[0] != 0 {
			t.Errorf("ZerosLike gave %v, not zeros of [3 2 5]", z.MustSize())
		}
	}
	src := []*ts.Tensor{randn(4, 3), randn(4, 2)}
	kept, err := KeepRows(src, []int64{3, 1})
	if err != nil || len(kept) != 2 {
		t.Fatalf("KeepRows: %d tensors, %v", len(kept), err)
	}
	for i, k := range kept {
		for j, r := range []int64{3, 1} {
			want := src[i].MustSelect(0, r, false)
			if d := k.MustSelect(0, int64(j), false).MustSub(want, true).MustAbs(true).MustMax(true).Float64Values()[0]; d != 0 {
				t.Errorf("tensor %d, kept row %d: not row %d of the source", i, j, r)
			}
		}
	}
	if _, err := KeepRows(src, []int64{4}); err == nil || !strings.Contains(err.Error(), "compiled rows: ") {
		t.Errorf("a row past the end: %v", err)
	}
}
