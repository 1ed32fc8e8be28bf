// One forward pass of a stack of Llama blocks in C++, over ATen: the same ops, in the same order,
// as model/llama's Go code (block.go, the reference it is tested against), without a cgo
// crossing, a Go allocation or a finaliser per op. Nothing here assumes a device: the ops run
// wherever the weights are.
#include "step.h"
#include "cguard.h"
#include "attend.h"
#include "rows.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

namespace {

const at::Tensor &T(step_tensor p) { return *static_cast<at::Tensor *>(p); }

using colash::dup;
using colash::guard;

// rms is x / sqrt(mean(x^2) + eps) * w over the last axis, computed in float32 (nn.RMSNorm).
at::Tensor rms(const at::Tensor &x, const at::Tensor &w, double eps) {
  bool f32 = x.scalar_type() == at::kFloat;
  at::Tensor xf = f32 ? x : x.to(at::kFloat);
  at::Tensor inv = (xf * xf).mean({-1}, true, at::kFloat).add_(eps).rsqrt_();
  at::Tensor y = xf * inv;
  return (f32 ? y : y.to(x.scalar_type())) * w;
}

// linear is x W^T. With the fast paths on (mvMin >= 0), a few float32 rows go through rowsKernel
// and a single row of a large enough W that it does not take through mv (nn.MatMul).
at::Tensor linear(const at::Tensor &x, const at::Tensor &w, int64_t mvMin) {
  if (mvMin >= 0 && colash::rowsKernelApplies(x, w)) return colash::rowsKernel(x, w);
  if (mvMin >= 0 && x.numel() == x.size(-1) && w.numel() >= mvMin) {
    std::vector<int64_t> out = x.sizes().vec();
    out.back() = w.size(0);
    return at::mv(w, x.reshape({-1})).view(out);
  }
  return at::linear(x, w);
}

// rope is x*cos + rotate_half(x)*sin for x [B,T,H,hd], rotate_half(x) = [-x2, x1].
at::Tensor rope(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin) {
  int64_t half = x.size(-1) / 2;
  at::Tensor turned = at::cat({x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)}, -1);
  return x * cos + turned * sin;
}

// blockMask is mask (broadcast to the scores [B,nH,T,S]) at queries t0..t0+tb-1 and slots
// 0..Si-1, laid out for baddbmm against scores [B*nKV, g*tb, Si]: [g*tb, Si] when every sequence
// and head shares it.
at::Tensor blockMask(at::Tensor m, int64_t B, int64_t nH, int64_t g, int64_t t0, int64_t tb, int64_t Si) {
  while (m.dim() < 4) m = m.unsqueeze(0);
  if (m.size(2) != 1) m = m.narrow(2, t0, tb);
  if (m.size(3) != 1) m = m.narrow(3, 0, Si);
  if (m.size(0) == 1 && m.size(1) == 1) return m.expand({1, 1, tb, Si}).reshape({1, tb, Si}).expand({g, tb, Si}).reshape({g * tb, Si});
  return m.expand({B, nH, tb, Si}).reshape({B * (nH / g), g * tb, Si});
}

// causalBlock is how many queries attendProducts takes at a time under a causal mask: the slots
// after a block's last query are hidden from the whole block and are left out of its products.
// At T = 256 (4 blocks) that is 5/8 of the scores, and the step ran 6-9% faster.
const int64_t causalBlock = 64;

// attendProducts is attendAny's attention as batched products, which autograd records and which
// prefill and several queries a sequence run faster than attendKernel. The scores of each (sequence,
// key/value head) pair are one baddbmm, mask + q k^T / sqrt(hd), scaled and masked inside the
// product, so that neither the forward nor the backward makes a pass over the scores for them
// (the backward scales the products instead, which are g*T*hd where the scores are g*T*S). With
// causal (the mask hides every slot after the query's own: slot past+t sees at most slots
// 0..past+t) queries go by blocks of causalBlock, each against the slots it may see.
at::Tensor attendProducts(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask, bool causal) {
  int64_t B = q.size(0), nH = q.size(1), Tn = q.size(2), hd = q.size(3);
  int64_t nKV = k.size(1), S = k.size(2), g = nH / nKV, past = S - Tn;
  double scale = 1 / std::sqrt(double(hd));
  int64_t block = causal && past >= 0 ? causalBlock : Tn;
  at::Tensor q4 = q.reshape({B * nKV, g, Tn, hd});
  at::Tensor k3 = k.reshape({B * nKV, S, hd}), v3 = v.reshape({B * nKV, S, hd});
  std::vector<at::Tensor> out;
  for (int64_t t0 = 0; t0 < Tn; t0 += block) {
    int64_t tb = std::min(block, Tn - t0), Si = block == Tn ? S : past + t0 + tb;
    at::Tensor qb = q4.narrow(2, t0, tb).reshape({B * nKV, g * tb, hd});
    at::Tensor kt = k3.narrow(1, 0, Si).transpose(1, 2);
    at::Tensor scores = mask ? at::baddbmm(blockMask(*mask, B, nH, g, t0, tb, Si), qb, kt, 1, scale) : at::bmm(qb, kt).mul_(scale);
    at::Tensor p = scores.softmax(-1, scores.scalar_type()); // [B*nKV, g*tb, Si]
    out.push_back(at::bmm(p, v3.narrow(1, 0, Si)).view({B * nKV, g, tb, hd}));
  }
  return (out.size() == 1 ? out[0] : at::cat(out, 2)).view({B, nH, Tn, hd});
}

// attendAny is softmax(q k^T / sqrt(hd) + mask) v with grouped-query heads stacked along time, so
// K and V are never repeated (llama.attend). q [B,nH,T,hd], k and v [B,nKV,S,hd], mask [B,1,T,S]
// or null (or broadcast to it), causal as attendProducts says. Shapes that do not fit are an error;
// the written-out kernel takes a decode step's float32 CPU tensors when autograd need not record
// it, batched products (attendProducts) every other pass.
at::Tensor attendAny(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor *mask, bool grad, bool causal) {
  colash::attendCheck(q, k, v, mask);
  if (!grad && colash::attendKernelApplies(q, k, v, mask)) return colash::attendKernel(q, k, v, mask);
  return attendProducts(q, k, v, mask, causal);
}

struct Pass {
  const step_shape &sh;
  const at::Tensor &cos, &sin;
  const at::Tensor *mask; // nullptr: all visible
  int64_t past;
  bool grad;   // autograd records the pass: ATen ops only
  bool causal; // the mask hides every slot after the query's own

  at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v) const {
    return attendAny(q, k, v, mask, grad, causal);
  }

  // project gives the query, key and value heads [B,T,nH+2nKV,hd] of the normed input h.
  at::Tensor project(const at::Tensor &h, const step_tensor *w) const {
    int64_t nH = sh.heads, nKV = sh.kv_heads, mv = sh.matvec_min;
    at::Tensor all = w[STEP_QKV] ? linear(h, T(w[STEP_QKV]), mv)
                                 : at::cat({linear(h, T(w[STEP_Q]), mv), linear(h, T(w[STEP_K]), mv), linear(h, T(w[STEP_V]), mv)}, -1);
    return all.view({h.size(0), h.size(1), nH + 2 * nKV, -1});
  }

  // mlp is down(silu(gate(h)) * up(h)).
  at::Tensor mlp(const at::Tensor &h, const step_tensor *w) const {
    int64_t mv = sh.matvec_min;
    at::Tensor gate, up;
    if (w[STEP_GATE_UP]) {
      std::vector<at::Tensor> gu = linear(h, T(w[STEP_GATE_UP]), mv).chunk(2, -1);
      gate = gu[0], up = gu[1];
    } else {
      gate = linear(h, T(w[STEP_GATE]), mv), up = linear(h, T(w[STEP_UP]), mv);
    }
    return linear(at::silu(gate) * up, T(w[STEP_DOWN]), mv);
  }

  // block applies one block (weights w[0..STEP_WEIGHTS)) to x [B,T,d]; kc, vc may be null.
  at::Tensor block(at::Tensor x, const step_tensor *w, const at::Tensor *kc, const at::Tensor *vc) const {
    int64_t B = x.size(0), Tn = x.size(1), nH = sh.heads, nKV = sh.kv_heads;
    at::Tensor all = project(rms(x, T(w[STEP_ATTN_NORM]), sh.eps), w); // [B,T,nH+2nKV,hd]
    at::Tensor qk = rope(all.narrow(2, 0, nH + nKV), cos, sin);          // query and key heads at once
    at::Tensor q = qk.narrow(2, 0, nH).transpose(1, 2);                  // [B,nH,T,hd]
    at::Tensor k = qk.narrow(2, nH, nKV).transpose(1, 2);                // [B,nKV,T,hd]
    at::Tensor v = all.narrow(2, nH + nKV, nKV).transpose(1, 2);         // [B,nKV,T,hd]
    if (kc) {
      kc->narrow(2, past, Tn).copy_(k);
      vc->narrow(2, past, Tn).copy_(v);
      k = kc->narrow(2, 0, past + Tn);
      v = vc->narrow(2, 0, past + Tn);
    }
    at::Tensor z = attend(q, k, v).transpose(1, 2).reshape({B, Tn, -1}); // [B,T,nH*hd]
    x = x + linear(z, T(w[STEP_O]), sh.matvec_min);
    return x + mlp(rms(x, T(w[STEP_MLP_NORM]), sh.eps), w);
  }
};

// Serial runs a small pass on the calling thread alone. With two or more intra-op threads, BLAS
// (OpenBLAS built with OpenMP) shares out even a 192x64 matrix-vector product, and forking and
// joining a team of threads costs more than such a product: a decode step of a small model ran
// at half the speed on 2 threads as on 1. The OpenMP runtime is the one libtorch loaded, found at
// run time (a CUDA wheel ships its own); without one this does nothing.
class Serial {
  using SetFn = void (*)(int);
  using GetFn = int (*)();
  SetFn set_ = nullptr;
  int saved_ = 0;

public:
  explicit Serial(bool small) {
    static SetFn set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    static GetFn get = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
    // ATen gives an OS thread its thread count at the thread's first parallel op; until then the
    // thread has OpenMP's default. Done here first, so that what is read and restored is ATen's
    // count, and no op of the pass sets it again.
    at::internal::lazy_init_num_threads();
    if (!small || !set || !get || (saved_ = get()) <= 1) return;
    set_ = set;
    set_(1);
  }
  ~Serial() {
    if (set_) set_(saved_);
  }
};

// smallPass says whether a pass's largest product is too small to share out among threads:
// below about 2 MFLOP (rows times the largest weight's elements under 2^20).
bool smallPass(int64_t rows, int64_t largest) { return rows * largest < (int64_t(1) << 20); }

bool smallPass(int64_t n, const step_tensor *w, const at::Tensor &x) {
  int64_t largest = 0;
  for (int64_t i = 0; i < n * STEP_WEIGHTS; i++)
    if (w[i]) largest = std::max(largest, T(w[i]).numel());
  return smallPass(x.numel() / x.size(-1), largest);
}

// needsGrad says whether autograd must record the pass: then it runs as plain ops, otherwise in
// inference mode, which skips autograd's bookkeeping on every op.
bool needsGrad(int64_t n, const step_tensor *w, const at::Tensor &x) {
  if (!at::GradMode::is_enabled()) return false;
  if (x.requires_grad()) return true;
  for (int64_t i = 0; i < n * STEP_WEIGHTS; i++)
    if (w[i] && T(w[i]).requires_grad()) return true;
  return false;
}

} // namespace

extern "C" void *step_serial_begin(int64_t rows, int64_t largest) { return new Serial(smallPass(rows, largest)); }

extern "C" void step_serial_end(void *s) { delete static_cast<Serial *>(s); }

extern "C" char *step_attend(step_tensor q, step_tensor k, step_tensor v, step_tensor mask, int causal, step_tensor *out) {
  return guard([&] {
    bool grad = at::GradMode::is_enabled() && (T(q).requires_grad() || T(k).requires_grad() || T(v).requires_grad());
    *out = new at::Tensor(attendAny(T(q), T(k), T(v), mask ? &T(mask) : nullptr, grad, causal != 0));
  });
}

extern "C" char *step_linear(step_tensor x, step_tensor w, step_tensor *out) {
  return guard([&] { *out = new at::Tensor(linear(T(x), T(w), 0)); });
}

extern "C" char *step_copy_slots(int64_t n, const step_tensor *dst, const step_tensor *src, int64_t dst_row,
                                 int64_t src_row, int64_t at, int64_t from, int64_t count) {
  return guard([&] {
    if (count <= 0) return;
    for (int64_t i = 0; i < n; i++) {
      at::Tensor d = T(dst[i]), s = T(src[i]);
      if (dst_row >= 0) d = d.narrow(0, dst_row, 1);
      if (src_row >= 0) s = s.narrow(0, src_row, 1);
      d.narrow(2, at, count).copy_(s.narrow(2, from, count));
    }
  });
}

extern "C" char *step_zeros_like(step_tensor like, int64_t n, step_tensor *out) {
  return guard([&] {
    std::vector<at::Tensor> r;
    for (int64_t i = 0; i < n; i++) r.push_back(at::zeros_like(T(like)));
    for (int64_t i = 0; i < n; i++) out[i] = new at::Tensor(r[i]); // only once nothing can fail
  });
}

extern "C" char *step_keep_rows(int64_t n, const step_tensor *t, const int64_t *rows, int64_t nrows, step_tensor *out) {
  return guard([&] {
    at::Tensor idx = at::from_blob(const_cast<int64_t *>(rows), {nrows}, at::kLong).to(T(t[0]).device());
    std::vector<at::Tensor> r;
    for (int64_t i = 0; i < n; i++) r.push_back(T(t[i]).index_select(0, idx));
    for (int64_t i = 0; i < n; i++) out[i] = new at::Tensor(r[i]);
  });
}

extern "C" char *step_blocks(const step_shape *shape, int64_t n, const step_tensor *weights, const step_tensor *k,
                             const step_tensor *v, int64_t past, step_tensor xp, step_tensor cos, step_tensor sin,
                             step_tensor mask, int causal, step_tensor *out) {
  return guard([&] {
    const at::Tensor &x0 = T(xp);
    bool grad = needsGrad(n, weights, x0);
    Serial serial(smallPass(n, weights, x0));
    Pass pass{*shape, T(cos), T(sin), mask ? &T(mask) : nullptr, past, grad, causal != 0};
    auto run = [&] {
      at::Tensor x = x0;
      for (int64_t i = 0; i < n; i++)
        x = pass.block(x, weights + i * STEP_WEIGHTS, k ? &T(k[i]) : nullptr, v ? &T(v[i]) : nullptr);
      return x;
    };
    if (grad) {
      *out = new at::Tensor(run());
      return;
    }
    // The result must be an ordinary tensor (an inference tensor could not be saved for the
    // backward of whatever uses it later), so it is allocated outside inference mode.
    at::Tensor res = at::empty_like(x0);
    {
      c10::InferenceMode inference;
      res.copy_(run());
    }
    *out = new at::Tensor(res);
  });
}
