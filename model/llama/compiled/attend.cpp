// Attention for float32 tensors on the CPU, written out: libtorch 1.13 runs a batched matmul of
// many small matrices (decode: one per sequence and key/value head, a few rows each) as one
// sgemm call per matrix, which makes attention most of a batched decode step. Here each
// (sequence, key/value head) pair is one task of a parallel loop that reads its keys and values
// once, straight from the cache.
#include "attend.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/Parallel.h>

namespace colash {

void attendCheck(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention: want q [B,nH,T,hd], k and v [B,nKV,S,hd], got ",
              q.sizes(), ", ", k.sizes(), " and ", v.sizes());
  TORCH_CHECK(k.sizes() == v.sizes(), "attention: k ", k.sizes(), " and v ", v.sizes(), " differ in shape");
  TORCH_CHECK(q.size(0) == k.size(0) && q.size(3) == k.size(3), "attention: q ", q.sizes(), " and k ", k.sizes(),
              " differ in batch or head size");
  TORCH_CHECK(k.size(1) > 0 && q.size(1) % k.size(1) == 0, "attention: ", q.size(1), " query heads are not a multiple of ",
              k.size(1), " key/value heads");
  if (!mask) return;
  const int64_t scores[4] = {q.size(0), q.size(1), q.size(2), k.size(2)};
  bool fits = mask->dim() <= 4;
  for (int64_t i = 1; fits && i <= mask->dim(); i++) {
    int64_t m = mask->size(mask->dim() - i);
    fits = m == 1 || m == scores[4 - i];
  }
  TORCH_CHECK(fits, "attention: mask ", mask->sizes(), " does not broadcast to the scores ", at::IntArrayRef(scores, 4));
}

// Batched products win from two queries a sequence on (16 sequences, 4/2 heads of 32, ~100 slots,
// one thread: 0.45x the kernel's time at 2 queries, 0.27x at 8, 0.46x at 160; 1.6x at 1).
const int64_t kernelQueries = 1;

bool attendKernelApplies(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask) {
  if (q.size(2) > kernelQueries) return false;
  auto cpuF32 = [](const at::Tensor &t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.stride(-1) == 1; };
  if (!cpuF32(q) || !cpuF32(k) || !cpuF32(v)) return false;
  if (!mask) return true;
  // Each axis of the mask is the scores' own or 1 (broadcast), the heads' always 1.
  const int64_t want[4] = {q.size(0), 1, q.size(2), k.size(2)};
  if (!mask->defined() || !mask->device().is_cpu() || mask->scalar_type() != at::kFloat || mask->dim() != 4) return false;
  for (int i = 0; i < 4; i++)
    if (mask->size(i) != want[i] && mask->size(i) != 1) return false;
  return true;
}

// dot is a·b over n entries, summed in 8 lanes: one running sum is a chain of dependent adds,
// eight independent ones vectorise (BenchmarkAttendDecodeStep, docs/performance.md).
static inline float dot(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t d = 0;
  for (; d + 8 <= n; d += 8)
    for (int j = 0; j < 8; j++) acc[j] += a[d + j] * b[d + j];
  float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; d < n; d++) sum += a[d] * b[d];
  return sum;
}

// hidden reports a mask entry that hides its slot: llama's mask adds -1e9 in float32 (its
// maskValue) and 0 where a slot is visible.
static inline bool hidden(float m) { return m <= -1e8f; }

// out[b,h,t,:] = sum_s softmax_s(q[b,h,t,:]·k[b,h/g,s,:] * scale + mask[b,0,t,s]) v[b,h/g,s,:]
at::Tensor attendKernel(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask) {
  const int64_t B = q.size(0), nH = q.size(1), T = q.size(2), hd = q.size(3);
  const int64_t nKV = k.size(1), S = k.size(2), g = nH / nKV;
  const float scale = float(1 / std::sqrt(double(hd)));
  at::Tensor out = at::empty({B, nH, T, hd}, q.options().memory_format(at::MemoryFormat::Contiguous));
  const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
  const float *mp = mask ? mask->data_ptr<float>() : nullptr;
  // The mask's strides, 0 along the axes it is broadcast on.
  auto mstride = [&](int i) { return mask && mask->size(i) != 1 ? mask->stride(i) : int64_t(0); };
  const int64_t mb = mstride(0), mt = mstride(2), ms = mstride(3);
  float *op = out.data_ptr<float>();
  // Tasks are shared out among threads only in chunks worth a fork (as ATen's grain size does for
  // its own kernels): a decode step of a small model runs its attention on the calling thread.
  const int64_t work = std::max<int64_t>(1, g * T * S * hd);
  at::parallel_for(0, B * nKV, std::max<int64_t>(1, at::internal::GRAIN_SIZE / work), [&](int64_t begin, int64_t end) {
    std::vector<float> p(S);
    for (int64_t bk = begin; bk < end; bk++) {
      const int64_t b = bk / nKV, kv = bk % nKV;
      const float *kb = kp + b * k.stride(0) + kv * k.stride(1);
      const float *vb = vp + b * v.stride(0) + kv * v.stride(1);
      for (int64_t h = kv * g; h < (kv + 1) * g; h++) {
        for (int64_t t = 0; t < T; t++) {
          const float *qr = qp + b * q.stride(0) + h * q.stride(1) + t * q.stride(2);
          const float *mr = mp ? mp + b * mb + t * mt : nullptr;
          // A slot the mask hides (padding, the future) has weight exp(-1e9 - top) = 0 whenever
          // one slot is visible: its dot product and exp are skipped and its weight set to that
          // 0, the same sums for less work. A query that sees nothing (a padding row, ignored)
          // takes every slot, as ATen does.
          bool anyVisible = !mr;
          for (int64_t s = 0; s < S && !anyVisible; s++) anyVisible = !hidden(mr[s * ms]);
          auto skip = [&](int64_t s) { return mr && anyVisible && hidden(mr[s * ms]); };
          float top = -INFINITY;
          for (int64_t s = 0; s < S; s++) {
            if (skip(s)) continue;
            p[s] = dot(qr, kb + s * k.stride(2), hd) * scale + (mr ? mr[s * ms] : 0.f);
            top = std::max(top, p[s]);
          }
          float sum = 0;
          for (int64_t s = 0; s < S; s++) sum += (p[s] = skip(s) ? 0.f : std::exp(p[s] - top));
          float *o = op + ((b * nH + h) * T + t) * hd;
          std::fill(o, o + hd, 0.f);
          for (int64_t s = 0; s < S; s++) {
            if (p[s] == 0.f) continue; // adds nothing
            const float w = p[s] / sum, *vr = vb + s * v.stride(2);
            for (int64_t d = 0; d < hd; d++) o[d] += w * vr[d];
          }
        }
      }
    }
  });
  return out;
}

} // namespace colash
