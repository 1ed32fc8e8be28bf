package tensor

import (
	"syscall"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// After KeepFreedMemory, a large tensor made and freed again and again faults its pages in once:
// the next one reuses them. Without it, each one faults them in anew.
func TestKeepFreedMemoryReusesPages(t *testing.T) {
	const n, pages = 4, 48 << 20 / 4096 // four tensors of 48 MB, one after the other
	faults := func() int64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return ru.Minflt
	}
	cycle := func() int64 {
		f0 := faults()
		for range n {
			ts.MustOnes([]int64{12 << 20}, gotch.Float, gotch.CPU).MustDrop()
		}
		return faults() - f0
	}
	keepFreed(false)
	defer keepFreed(false)
	before := cycle()
	KeepFreedMemory()
	cycle() // the first may fault the pages in
	after := cycle()
	t.Logf("page faults for %d tensors of %d pages: %d by default, %d keeping freed memory", n, pages, before, after)
	if before < n*pages/2 {
		t.Fatalf("%d page faults without KeepFreedMemory: glibc's default no longer maps large blocks afresh, and this test proves nothing", before)
	}
	if after > pages/10 {
		t.Errorf("%d page faults for %d tensors of %d pages after KeepFreedMemory: freed memory is not reused", after, n, pages)
	}
}
