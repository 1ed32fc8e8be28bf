// rowsKernel: x W^T for a few rows x, the products of a decode step (a batch of a few sequences,
// one token each) and of a short prompt. BLAS packs all of W into its own layout before every
// product (sgemm's copy of the weights), which for a few rows costs as much as the arithmetic:
// F.linear of 10 rows by a 384x128 matrix ran at 42 GFLOP/s, and of 1 to 3 rows at 6-16. Here
// each group of four weight rows is read once, from where it lies, and dotted with every input
// row while it sits in the L1 cache; no copy is made. The dot products run in vectors of 16
// floats: AVX-512 where the CPU has it, AVX2 or SSE2 elsewhere (one clone each, picked when the
// program starts).
#include "rows.h"

#include <ATen/Parallel.h>

namespace colash {

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define COLASH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define COLASH_CLONES
#endif

static inline v16 load(const float *p) {
  v16 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// sum16 adds a vector's lanes as a tree, halves first: a chain of 15 dependent adds would cost
// more than the whole dot product at K = 128.
static inline float sum16(const v16 &v) {
  v8 a, b;
  __builtin_memcpy(&a, &v, sizeof a);
  __builtin_memcpy(&b, reinterpret_cast<const char *>(&v) + sizeof a, sizeof b);
  a += b;
  v4 c, d;
  __builtin_memcpy(&c, &a, sizeof c);
  __builtin_memcpy(&d, reinterpret_cast<const char *>(&a) + sizeof c, sizeof d);
  c += d;
  return (c[0] + c[2]) + (c[1] + c[3]);
}

// dotTail is the part of the dot product of a and b past k0 (fewer than 16 elements).
static inline float dotTail(const float *a, const float *b, int64_t k0, int64_t K) {
  float s = 0;
  for (int64_t k = k0; k < K; k++) s += a[k] * b[k];
  return s;
}

// y[m,n] = x[m,:]·w[n,:] for m < M and n in [n0, n1): weight rows four at a time, input rows two
// at a time against them (eight sums in flight), then what is left one by one.
COLASH_CLONES
static void rowsRange(const float *x, const float *w, float *y, int64_t M, int64_t K, int64_t N, int64_t n0, int64_t n1) {
  const int64_t K16 = K / 16 * 16;
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const float *w0 = w + n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
    int64_t m = 0;
    for (; m + 2 <= M; m += 2) {
      const float *xa = x + m * K, *xb = xa + K;
      v16 a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
      for (int64_t k = 0; k < K16; k += 16) {
        const v16 va = load(xa + k), vb = load(xb + k);
        const v16 u0 = load(w0 + k), u1 = load(w1 + k), u2 = load(w2 + k), u3 = load(w3 + k);
        a0 += u0 * va, a1 += u1 * va, a2 += u2 * va, a3 += u3 * va;
        b0 += u0 * vb, b1 += u1 * vb, b2 += u2 * vb, b3 += u3 * vb;
      }
      float *ya = y + m * N + n, *yb = ya + N;
      ya[0] = sum16(a0) + dotTail(xa, w0, K16, K), ya[1] = sum16(a1) + dotTail(xa, w1, K16, K);
      ya[2] = sum16(a2) + dotTail(xa, w2, K16, K), ya[3] = sum16(a3) + dotTail(xa, w3, K16, K);
      yb[0] = sum16(b0) + dotTail(xb, w0, K16, K), yb[1] = sum16(b1) + dotTail(xb, w1, K16, K);
      yb[2] = sum16(b2) + dotTail(xb, w2, K16, K), yb[3] = sum16(b3) + dotTail(xb, w3, K16, K);
    }
    for (; m < M; m++) {
      const float *xa = x + m * K;
      v16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
      for (int64_t k = 0; k < K16; k += 16) {
        const v16 va = load(xa + k);
        a0 += load(w0 + k) * va, a1 += load(w1 + k) * va, a2 += load(w2 + k) * va, a3 += load(w3 + k) * va;
      }
      float *ya = y + m * N + n;
      ya[0] = sum16(a0) + dotTail(xa, w0, K16, K), ya[1] = sum16(a1) + dotTail(xa, w1, K16, K);
      ya[2] = sum16(a2) + dotTail(xa, w2, K16, K), ya[3] = sum16(a3) + dotTail(xa, w3, K16, K);
    }
  }
  for (; n < n1; n++) {
    const float *wn = w + n * K;
    for (int64_t m = 0; m < M; m++) {
      const float *xa = x + m * K;
      v16 a = {};
      for (int64_t k = 0; k < K16; k += 16) a += load(wn + k) * load(xa + k);
      y[m * N + n] = sum16(a) + dotTail(xa, wn, K16, K);
    }
  }
}

bool rowsKernelApplies(const at::Tensor &x, const at::Tensor &w) {
  auto cpuF32 = [](const at::Tensor &t) { return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat; };
  if (!cpuF32(x) || !cpuF32(w) || w.dim() != 2 || x.dim() < 1 || !w.is_contiguous()) return false;
  if (x.size(-1) != w.size(1) || x.numel() == 0 || x.numel() / x.size(-1) > rowsMax) return false;
  return !(at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad()));
}

at::Tensor rowsKernel(const at::Tensor &x, const at::Tensor &w) {
  const int64_t K = w.size(1), N = w.size(0), M = x.numel() / K;
  const at::Tensor xc = x.contiguous();
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = N;
  at::Tensor y = at::empty(shape, x.options().memory_format(at::MemoryFormat::Contiguous));
  const float *xp = xc.data_ptr<float>(), *wp = w.data_ptr<float>();
  float *yp = y.data_ptr<float>();
  // Threads share the weight rows, in groups of four, in shares of 2^20 products at least (the
  // compiled step's bound for a pass worth forking threads for, smallPass).
  const int64_t groups = (N + 3) / 4, work = std::max<int64_t>(1, 4 * K * M);
  at::parallel_for(0, groups, std::max<int64_t>(1, (int64_t(1) << 20) / work), [&](int64_t begin, int64_t end) {
    rowsRange(xp, wp, yp, M, K, N, begin * 4, std::min(N, end * 4));
  });
  return y;
}

} // namespace colash
