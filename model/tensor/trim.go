package tensor

// #include <malloc.h>
import "C"

// TrimMemory returns memory that libtorch freed back to the operating system. glibc keeps
// freed blocks for reuse, so the resident size of a process that made many tensors of
// varying sizes stays high after they are gone; malloc_trim releases those pages.
func TrimMemory() { C.malloc_trim(0) }
