// The written-out attention of attend.cpp, for step.cpp.
#ifndef COLASH_COMPILED_ATTEND_H
#define COLASH_COMPILED_ATTEND_H
#include <ATen/ATen.h>

namespace colash {

// attendCheck throws (c10::Error, naming what is wrong) unless q [B,nH,T,hd], k and v
// [B,nKV,S,hd] fit together: four axes each, the same B and hd, k and v of one shape, and nH a
// positive multiple of nKV, and mask (may be null) broadcasts to the scores [B,nH,T,S].
void attendCheck(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask);

// attendKernelApplies says whether attendKernel takes these tensors (attendCheck passed) and is
// the faster way: one query a sequence (a decode step), float32 on the CPU, each row of head
// values contiguous, and a mask (may be null) of float32 on the CPU shared by the heads, [B,1,T,S]
// or broadcast to it along axes of size 1 ([1,1,T,S], [B,1,1,S]...).
bool attendKernelApplies(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask);

// attendKernel is softmax(q k^T / sqrt(hd) + mask) v for q [B,nH,T,hd], k and v [B,nKV,S,hd]
// (query head h reads key/value head h / (nH/nKV)) and mask [B,1,T,S] (as attendKernelApplies
// allows) or null, giving a new contiguous [B,nH,T,hd].
at::Tensor attendKernel(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask);

} // namespace colash
#endif
