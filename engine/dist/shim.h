// C interface of the c10d shim (shim.cpp). Tensors are gotch handles (at::Tensor*). Every function
// that can fail returns NULL on success or a malloc'd error message that the caller frees; no C++
// exception crosses this boundary.
#ifndef COLASH_DIST_SHIM_H
#define COLASH_DIST_SHIM_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *dist_group;
typedef void *dist_tensor;

enum { DIST_SUM = 0, DIST_AVG = 1 };

// dist_new joins the group: with prefix "" rank 0 serves the TCPStore at addr:port, else every
// rank is a client of the store a launcher (torchrun's agent) serves there and keeps its keys
// under prefix. Every rank waits up to join_ms for all to reach the store, then Gloo connects
// them pairwise. Collectives wait up to timeout_ms. iface names the network interface Gloo binds
// ("" = by address).
char *dist_new(const char *addr, int port, const char *prefix, int rank, int size, int64_t join_ms,
               int64_t timeout_ms, const char *iface, dist_group *out);
void dist_free(dist_group g);

char *dist_allreduce(dist_group g, dist_tensor t, int op);
char *dist_broadcast(dist_group g, dist_tensor t, int root);
// dist_allgather writes size new tensor handles (one per rank, shaped as t) into outs.
char *dist_allgather(dist_group g, dist_tensor t, dist_tensor *outs);
char *dist_barrier(dist_group g);

#ifdef __cplusplus
}
#endif
#endif
