package tensor

import (
	"fmt"
	"os"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// TestInPlaceOpThenDropFreesMemory checks that a tensor changed in place is freed by Drop.
// gotch's in-place wrappers replaced the tensor's C handle with the new one that libtorch returns
// and left the old one, which still referenced the tensor, so Drop freed nothing: each in-place op
// on a temporary leaked the whole tensor. tools/make-gotch.sh makes them free the old handle.
func TestInPlaceOpThenDropFreesMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("skipped: no /proc/self/statm to read the resident size from")
	}
	const n = 4 << 20 // 16 MiB of float32
	x := ts.MustZeros([]int64{n}, gotch.Float, gotch.CPU)
	x.MustAddScalar_(Scalar(1))
	x.MustMulScalar_(Scalar(3))
	if v := Float32s(x.MustNarrow(0, n-2, 2, false)); v[0] != 3 || v[1] != 3 {
		t.Fatalf("after in-place ops: %v, want 3s", v)
	}
	x.MustDrop()

	TrimMemory()
	before := residentBytes(t)
	for range 8 {
		x := ts.MustZeros([]int64{n}, gotch.Float, gotch.CPU)
		x.MustAddScalar_(Scalar(1))
		x.MustDrop()
	}
	TrimMemory()
	if grew := residentBytes(t) - before; grew > 4*n*4 {
		t.Errorf("resident size grew by %d MiB over 8 tensors of 16 MiB changed in place and dropped", grew>>20)
	}
}

func residentBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		t.Fatal(err)
	}
	return resident * int64(os.Getpagesize())
}
