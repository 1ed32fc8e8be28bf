package tensor

// #include <malloc.h>
import "C"

// TrimMemory returns memory that libtorch freed back to the operating system. glibc keeps
// freed blocks for reuse, so the resident size of a process that made many tensors of
// varying sizes stays high after they are gone; malloc_trim releases those pages.
func TrimMemory() { C.malloc_trim(0) }

// KeepFreedMemory makes glibc keep the memory that tensors free for the tensors that follow, for
// the rest of the process: no block gets a mapping of its own and the heap is never trimmed. By
// default glibc maps every block above its threshold (32 MB at most) afresh and unmaps it when it
// is freed, so the next tensor of that size takes a page fault for each of its 4 KB pages again;
// a training step allocates and frees the same large activations every time (the testbed's
// pretraining step at batch 32 x 256 faulted in some 130,000 pages per step, a third of its time
// on these VMs). The resident size stays at the peak of what was in use; TrimMemory still gives
// the free part back.
func KeepFreedMemory() { keepFreed(true) }

// keepFreed turns KeepFreedMemory's settings on, or back to glibc's defaults (65,536 mappings,
// trim threshold 128 KiB).
func keepFreed(on bool) {
	if on {
		C.mallopt(C.M_MMAP_MAX, 0)
		C.mallopt(C.M_TRIM_THRESHOLD, -1) // the largest size: never
		return
	}
	C.mallopt(C.M_MMAP_MAX, 65536)
	C.mallopt(C.M_TRIM_THRESHOLD, 128<<10)
}

// mallocDebug makes glibc fill freed memory with perturb (0 turns that off) and return every
// block of at least mmapThreshold bytes to the system when it is freed, so that a read of freed
// memory gives wrong values or a crash instead of the old contents. The keep-alive test uses it.
func mallocDebug(perturb byte, mmapThreshold int) {
	C.mallopt(C.M_PERTURB, C.int(perturb))
	C.mallopt(C.M_MMAP_THRESHOLD, C.int(mmapThreshold))
}
