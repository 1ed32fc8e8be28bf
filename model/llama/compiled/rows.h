// The written-out product of a few rows by a weight matrix (rows.cpp), for step.cpp and nn.
#ifndef COLASH_COMPILED_ROWS_H
#define COLASH_COMPILED_ROWS_H
#include <ATen/ATen.h>

namespace colash {

// rowsMax is the most rows rowsKernel takes: up to 16 rows it ran in 0.12-0.99 of F.linear's
// time on every shape measured (one thread), from 24 rows on it may not.
const int64_t rowsMax = 16;

// rowsKernelApplies says whether rowsKernel takes x [...,K] and w [N,K]: float32 on the CPU, w
// contiguous, at most rowsMax rows, and nothing autograd must record.
bool rowsKernelApplies(const at::Tensor &x, const at::Tensor &w);

// rowsKernel is x w^T, a new contiguous [...,N].
at::Tensor rowsKernel(const at::Tensor &x, const at::Tensor &w);

} // namespace colash
#endif
