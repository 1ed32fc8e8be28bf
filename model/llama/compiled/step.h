// C interface of the compiled decoder step (step.cpp). Tensors are gotch handles (at::Tensor*).
// A function that can fail returns NULL on success or a malloc'd error message that the caller
// frees; no C++ exception crosses this boundary.
#ifndef COLASH_COMPILED_STEP_H
#define COLASH_COMPILED_STEP_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *step_tensor;

// The weights of one pre-norm Llama block, in the order step_blocks reads them. A block gives
// either its fused projections (QKV: query, key and value rows stacked; GATE_UP) or the separate
// ones (Q, K, V; GATE, UP), the others NULL: an inference block is fused, a trained one is not.
enum {
  STEP_ATTN_NORM, STEP_QKV, STEP_Q, STEP_K, STEP_V, STEP_O,
  STEP_MLP_NORM, STEP_GATE_UP, STEP_GATE, STEP_UP, STEP_DOWN, STEP_WEIGHTS
};

typedef struct {
  int64_t heads, kv_heads; // query and key/value heads
  double eps;              // RMSNorm epsilon
  int64_t matvec_min;      // >= 0: a few float32 rows take rowsKernel (rows.h), one row of a weight with at least this many elements mv; < 0: neither
} step_shape;

// step_blocks applies n blocks to x [B,T,d] (weights: n*STEP_WEIGHTS handles, some NULL). Autograd
// records the pass when grad mode is on and x or a weight requires grad. cos and sin
// [B,T,1,hd] rotate queries and keys; mask [B,1,T,S] or [1,1,T,S] (NULL: all visible) is added
// to the scores. causal (nonzero) promises that the mask hides every slot after the query's own,
// so that a pass autograd records leaves them out of its products.
// With caches (k, v: n handles each, [B,nKV,Cap,hd] with Cap >= past+T; NULL: no cache) the new
// keys and values are written at slots past..past+T-1 and attention reads slots 0..past+T-1.
// *out receives a new tensor [B,T,d].
char *step_blocks(const step_shape *shape, int64_t n, const step_tensor *weights, const step_tensor *k,
                  const step_tensor *v, int64_t past, step_tensor x, step_tensor cos, step_tensor sin,
                  step_tensor mask, int causal, step_tensor *out);

// step_serial_begin runs what follows on the calling thread alone, as step_blocks runs a small
// pass (rows times the largest weight's elements under 2^20); step_serial_end undoes it. The Go
// ops of a pass with hooks use it, so that they meet the same BLAS kernels as the compiled pass.
void *step_serial_begin(int64_t rows, int64_t largest);
void step_serial_end(void *s);

// step_attend is the attention of step_blocks alone: q [B,nH,T,hd], k and v [B,nKV,S,hd], mask
// [B,1,T,S] or NULL, causal as for step_blocks; *out receives a new [B,nH,T,hd].
char *step_attend(step_tensor q, step_tensor k, step_tensor v, step_tensor mask, int causal, step_tensor *out);

// step_linear is x w^T for x [...,K] and w [N,K] as step_blocks computes its products: a few
// float32 rows through the written-out kernel (rows.h), one row through mv, others F.linear.
// *out receives a new [...,N].
char *step_linear(step_tensor x, step_tensor w, step_tensor *out);

// step_copy_slots copies, for each i < n, count slots (axis 2) of src[i] from slot from into
// dst[i] at slot at: the whole batch when both rows are negative, else row src_row of src[i]
// into row dst_row of dst[i] (a negative row: the tensor's only one). A cache's layers move in
// one call instead of a few per tensor.
char *step_copy_slots(int64_t n, const step_tensor *dst, const step_tensor *src, int64_t dst_row, int64_t src_row,
                      int64_t at, int64_t from, int64_t count);

// step_zeros_like fills out[0..n) with new zero tensors of like's shape, dtype and device.
char *step_zeros_like(step_tensor like, int64_t n, step_tensor *out);

// step_keep_rows fills out[i] with rows[0..nrows) of t[i] along axis 0, in that order, i < n.
char *step_keep_rows(int64_t n, const step_tensor *t, const int64_t *rows, int64_t nrows, step_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
