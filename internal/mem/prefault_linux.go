package mem

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

const (
	madvHugepage      = 14      // MADV_HUGEPAGE
	madvPopulateWrite = 23      // MADV_POPULATE_WRITE, Linux 5.14
	minPrefault       = 4 << 20 // smaller buffers fault in quickly enough
)

// Prefault maps the pages of a large, freshly allocated buffer before it is written, in one
// call. Filling fresh memory otherwise takes one page fault per 4 KiB page, and on virtual
// machines those faults, not the copy, bound how fast a checkpoint loads. A kernel that refuses
// the advice (older than 5.14) leaves b as it was.
//
// When the kernel has free 2 MiB blocks enough for the whole buffer, b asks for huge pages too
// (MADV_HUGEPAGE). On the virtual machines measured, each 4 KiB page of a copied weight costs
// again at its first read from the program, although the kernel wrote it while loading: the
// first forward pass of a copied 2.47 GB model took 3.4-3.8 s, the next ones 0.17 s, and with
// 2 MiB pages 0.53-0.55 s. When the kernel would have to compact memory to find those blocks,
// it does not ask: that made a load ten times slower, one run in three.
func Prefault(b []byte) { prefault(b) }

// prefault is Prefault that reports whether the kernel populated the pages.
func prefault(b []byte) error {
	if len(b) < minPrefault {
		return nil
	}
	page := uintptr(syscall.Getpagesize())
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	start = (start + page - 1) &^ (page - 1) // whole pages inside b
	end &^= page - 1
	if hugeFree() >= uint64(end-start) {
		syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage) // advice only: an error changes nothing
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPopulateWrite); e != 0 {
		return e
	}
	return nil
}

// hugeFree is the free memory in blocks of at least one transparent huge page, in bytes: what
// the kernel can hand out as huge pages without compacting memory. 0 when it cannot say.
func hugeFree() uint64 {
	size := hugePageSize()
	if size == 0 {
		return 0
	}
	buddy, err := os.ReadFile("/proc/buddyinfo")
	if err != nil {
		return 0
	}
	return freeInBlocks(string(buddy), uint64(syscall.Getpagesize()), size)
}

// hugePageSize is the size of a transparent huge page, read once (it does not change while the
// system runs); 0 when the kernel has none.
var hugePageSize = sync.OnceValue(func() uint64 {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	if err != nil {
		return 0
	}
	size, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return size
})

// freeInBlocks sums the free memory of /proc/buddyinfo's lines ("Node 0, zone Normal n0 n1 ...",
// n_k free blocks of 2^k pages) in blocks of at least min bytes.
func freeInBlocks(buddyinfo string, page, min uint64) uint64 {
	var free uint64
	for _, line := range strings.Split(buddyinfo, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "Node" || f[2] != "zone" {
			continue
		}
		for k, s := range f[4:] {
			n, err := strconv.ParseUint(s, 10, 64)
			if block := page << k; err == nil && block >= min {
				free += n * block
			}
		}
	}
	return free
}
