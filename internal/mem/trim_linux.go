package mem

// #include <malloc.h>
import "C"

// Trim hands the C heap's free memory back to the system (glibc's malloc_trim), so that a
// ResidentKB taken next counts live memory only: libtorch frees tensors into that heap, which
// keeps them resident for reuse.
func Trim() { C.malloc_trim(0) }
