package mem

import (
	"syscall"
	"unsafe"
)

const (
	madvHugepage      = 14 // MADV_HUGEPAGE
	madvPopulateWrite = 23 // MADV_POPULATE_WRITE, Linux 5.14
	hugePage          = 2 << 20
)

// Prefault maps the pages of a large, freshly allocated buffer before it is written, in one
// call and in 2 MiB pages where the kernel allows them (transparent huge pages in "madvise"
// mode). Filling fresh memory otherwise takes one page fault per 4 KiB page, and on virtual
// machines those faults, not the copy, bound how fast a checkpoint loads. The advice is only a
// hint: a kernel that refuses it (older than 5.14, huge pages off) leaves b as it was.
func Prefault(b []byte) { prefault(b) }

// prefault is Prefault that reports whether the kernel populated the pages.
func prefault(b []byte) error {
	if len(b) < 2*hugePage {
		return nil
	}
	page := uintptr(syscall.Getpagesize())
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	start = (start + page - 1) &^ (page - 1) // whole pages inside b
	end &^= page - 1
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage) // a hint: refused is fine
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPopulateWrite); e != 0 {
		return e
	}
	return nil
}
