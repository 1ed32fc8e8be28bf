// The written-out attention of attend.cpp, for step.cpp.
#ifndef COLASH_COMPILED_ATTEND_H
#define COLASH_COMPILED_ATTEND_H
#include <ATen/ATen.h>

namespace colash {

// attendKernelApplies says whether attendKernel takes these tensors: float32 on the CPU, each row
// of head values contiguous, and a mask (may be null) shared by the heads.
bool attendKernelApplies(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask);

// attendKernel is softmax(q k^T / sqrt(hd) + mask) v for q [B,nH,T,hd], k and v [B,nKV,S,hd]
// (query head h reads key/value head h / (nH/nKV)) and mask [B,1,T,S] or null, giving a new
// contiguous [B,nH,T,hd].
at::Tensor attendKernel(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask);

} // namespace colash
#endif
