package tensor

// #include <malloc.h>
import "C"

// TrimMemory returns memory that libtorch freed back to the operating system. glibc keeps
// freed blocks for reuse, so the resident size of a process that made many tensors of
// varying sizes stays high after they are gone; malloc_trim releases those pages.
func TrimMemory() { C.malloc_trim(0) }

// mallocDebug makes glibc fill freed memory with perturb (0 turns that off) and return every
// block of at least mmapThreshold bytes to the system when it is freed, so that a read of freed
// memory gives wrong values or a crash instead of the old contents. The keep-alive test uses it.
func mallocDebug(perturb byte, mmapThreshold int) {
	C.mallopt(C.M_PERTURB, C.int(perturb))
	C.mallopt(C.M_MMAP_THRESHOLD, C.int(mmapThreshold))
}
