//go:build linux

package mem

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// Prefault makes a fresh buffer resident before it is written, and leaves its contents alone.
func TestPrefaultMapsTheBuffer(t *testing.T) {
	const size = 64 << 20
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	b[100] = 7                 // one page already touched; the rest is fresh
	inner := b[123 : size-456] // not page-aligned at either end
	before, err := ResidentKB()
	if err != nil {
		t.Fatal(err)
	}
	if err := prefault(inner); errors.Is(err, syscall.EINVAL) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)")
	} else if err != nil {
		t.Fatal(err)
	}
	after, _ := ResidentKB()
	grew := float64(after-before) * 1024 / size
	t.Logf("RSS grew by %.3f of the buffer", grew)
	if grew < 0.9 {
		t.Errorf("RSS grew by %.3f of the buffer after Prefault, want ~1", grew)
	}
	if b[100] != 7 || b[size-1] != 0 {
		t.Error("Prefault changed the buffer's contents")
	}
}

// freeInBlocks counts only blocks of at least the asked size, in every zone.
func TestFreeInBlocks(t *testing.T) {
	const buddy = `Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3
Node 0, zone   Normal   136    11     10      3      2      1      3      1      5      43   1801
`
	const page, mib = 4096, 1 << 20
	// 2 MiB blocks are order 9: DMA's 1 + 3 of orders 9 and 10, Normal's 43 + 1801.
	want := uint64((1+43)*2*mib + (3+1801)*4*mib)
	if got := freeInBlocks(buddy, page, 2*mib); got != want {
		t.Errorf("free in 2 MiB blocks: %d, want %d", got, want)
	}
	if got := freeInBlocks(buddy, page, 8*mib); got != 0 {
		t.Errorf("free in 8 MiB blocks (larger than any order here): %d, want 0", got)
	}
	if got := freeInBlocks("garbage\n", page, 2*mib); got != 0 {
		t.Errorf("unreadable buddyinfo: %d, want 0", got)
	}
}

// With huge pages free, a prefaulted buffer is backed by them: the kernel's transparent huge
// pages answer to the advice here (enabled "madvise") and not without it.
func TestPrefaultAsksForHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("no transparent huge pages on this kernel")
	}
	const size = 64 << 20
	if hugeFree() < 2*size {
		t.Skip("too few free huge pages: the kernel would have to compact memory")
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	if err := prefault(b); errors.Is(err, syscall.EINVAL) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)")
	} else if err != nil {
		t.Fatal(err)
	}
	kb := anonHugeKB(t, uintptr(unsafe.Pointer(&b[0])))
	t.Logf("%d KiB of the %d MiB buffer in huge pages (transparent huge pages: %s)", kb, size>>20, strings.TrimSpace(string(mode)))
	if kb < size/2>>10 {
		t.Errorf("%d KiB of a %d MiB prefaulted buffer in huge pages, want most of it", kb, size>>20)
	}
}

// anonHugeKB is the AnonHugePages of the mapping that starts at addr (/proc/self/smaps).
func anonHugeKB(t *testing.T, addr uintptr) int {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	in := false
	for _, line := range strings.Split(string(smaps), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			start, _, _ := strings.Cut(f[0], "-")
			v, err := strconv.ParseUint(start, 16, 64)
			in = err == nil && uintptr(v) == addr
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok && in {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb
		}
	}
	t.Fatalf("no mapping at %#x in /proc/self/smaps", addr)
	return 0
}
