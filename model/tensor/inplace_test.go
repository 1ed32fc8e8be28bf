package tensor

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/mem"
)

// TestInPlaceOpThenDropFreesMemory checks that a tensor changed in place is freed by Drop.
// gotch's in-place wrappers replaced the tensor's C handle with the new one that libtorch returns
// and left the old one, which still referenced the tensor, so Drop freed nothing: each in-place op
// on a temporary leaked the whole tensor. tools/make-gotch.sh makes them free the old handle.
func TestInPlaceOpThenDropFreesMemory(t *testing.T) {
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

// residentBytes is the resident size once Go's heap and glibc's free lists are handed back, so
// that what remains is memory still in use.
func residentBytes(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	TrimMemory()
	kb, err := mem.ResidentKB()
	if err != nil {
		t.Skip("skipped: no resident size on this system:", err)
	}
	return int64(kb) << 10
}

// TestListOpsFreeTheirHandleArrays: ops that return several tensors (Chunk, Split, Unbind) get
// a malloc'd array of handles from libtch, which gotch never freed: 32 bytes per call, 2 KB per
// generation of the tiny Llama, whose fused MLP chunks its gate/up product at every block.
func TestListOpsFreeTheirHandleArrays(t *testing.T) {
	x := ts.MustZeros([]int64{2, 4}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	run := func(n int) {
		for range n {
			for _, p := range x.MustChunk(2, -1, false) {
				p.MustDrop()
			}
			for _, p := range x.MustUnbind(0, false) {
				p.MustDrop()
			}
		}
	}
	run(1000)
	TrimMemory()
	before := residentBytes(t)
	const n = 200_000
	run(n)
	TrimMemory()
	if grew := residentBytes(t) - before; grew > 2<<20 {
		t.Errorf("resident size grew by %d KiB over %d Chunk+Unbind calls (%.1f bytes per call)", grew>>10, n, float64(grew)/n)
	}
}
