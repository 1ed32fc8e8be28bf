package tensor

import (
	"syscall"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// After KeepFreedMemory, a large tensor made and freed again and again stops faulting its pages
// in: the next one reuses them. Without it, each one faults them in anew. Reuse may take a few
// rounds to set in: c10 allocates with posix_memalign, whose slack glibc frees separately, and a
// small block placed in it can leave a freed tensor a few bytes short of the next request, so
// the heap grows by some tensors before the freed blocks fit (up to 10 rounds of 4 here).
func TestKeepFreedMemoryReusesPages(t *testing.T) {
	const n, pages, rounds = 4, 48 << 20 / 4096, 20 // four tensors of 48 MB, one after the other
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
	if before < n*pages/2 {
		t.Fatalf("%d page faults without KeepFreedMemory: glibc's default no longer maps large blocks afresh, and this test proves nothing", before)
	}
	KeepFreedMemory()
	var seen []int64
	for range rounds {
		after := cycle()
		if seen = append(seen, after); after <= pages/10 {
			t.Logf("page faults for %d tensors of %d pages: %d by default; keeping freed memory, round by round: %v", n, pages, before, seen)
			return
		}
	}
	t.Errorf("page faults for %d tensors of %d pages after KeepFreedMemory, round by round: %v: freed memory is never reused", n, pages, seen)
}
