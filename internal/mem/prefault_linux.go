package mem

import (
	"syscall"
	"unsafe"
)

const (
	madvPopulateWrite = 23      // MADV_POPULATE_WRITE, Linux 5.14
	minPrefault       = 4 << 20 // smaller buffers fault in quickly enough
)

// Prefault maps the pages of a large, freshly allocated buffer before it is written, in one
// call. Filling fresh memory otherwise takes one page fault per 4 KiB page, and on virtual
// machines those faults, not the copy, bound how fast a checkpoint loads. (Asking for 2 MiB
// pages as well, MADV_HUGEPAGE, loaded faster when the kernel had huge pages free and ten times
// slower when it had to compact memory first: one run in three here.) A kernel that refuses
// the advice (older than 5.14) leaves b as it was.
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
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPopulateWrite); e != 0 {
		return e
	}
	return nil
}
