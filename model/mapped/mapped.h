// C interface of colash's memory-mapped tensors (mapped.cpp). A function that can fail returns
// NULL on success or a malloc'd error message that the caller frees.
#ifndef COLASH_MAPPED_H
#define COLASH_MAPPED_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *mapped_file;   // a reference to a mapping (std::shared_ptr)
typedef void *mapped_tensor; // a gotch handle (at::Tensor*)

// mapped_open maps the whole file at path, which must be size bytes long, copy-on-write: the
// pages are the page cache's until something writes to them, and a write never reaches the file.
char *mapped_open(const char *path, int64_t size, mapped_file *out);

// mapped_tensor_at gives a CPU tensor of dtype (a c10::ScalarType) and shape over the bytes at
// offset. The tensor holds a reference to the mapping, so the mapping outlives mapped_close for
// as long as any tensor over it (or a view of one) is alive.
char *mapped_tensor_at(mapped_file f, int64_t offset, const int64_t *shape, int64_t ndim, int dtype,
                       mapped_tensor *out);

// mapped_close drops the caller's reference; the file is unmapped with the last one.
void mapped_close(mapped_file f);

// mapped_live counts the mappings not yet unmapped, and mapped_tensors the tensor storages over
// them not yet freed, for tests.
int64_t mapped_live(void);
int64_t mapped_tensors(void);

#ifdef __cplusplus
}
#endif
#endif
