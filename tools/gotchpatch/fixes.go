package main

import (
	"bytes"
	"fmt"
)

// A fix replaces an exact piece of a file: once, or at every occurrence (all). It is done when
// every occurrence of old lies inside an occurrence of new, and fails when the file holds
// neither, only some of the occurrences are done, or (without all) old is there more than once.
type fix struct {
	file, old, new string
	all            bool
}

func once(file, old, new string) fix       { return fix{file, old, new, false} }
func everywhere(file, old, new string) fix { return fix{file, old, new, true} }

func (f fix) apply(src []byte) ([]byte, error) {
	old, new := []byte(f.old), []byte(f.new)
	nOld, nNew := bytes.Count(src, old), bytes.Count(src, new)
	switch {
	case nNew == 0 && (nOld == 1 || f.all && nOld > 1):
		return bytes.ReplaceAll(src, old, new), nil
	case nNew > 0 && (nNew == 1 || f.all) && nOld == nNew*bytes.Count(new, old):
		return src, nil
	}
	return nil, fmt.Errorf("expected %s, found it %d times (and the replacement %d times):\n%s",
		map[bool]string{false: "once", true: "one or more times"}[f.all], nOld, nNew, f.old)
}

var fixes = []fix{
	once("libtch/tensor.go", `func AtGradSetEnabled(b int) int {
	cbool := *(*C.int)(unsafe.Pointer(&b))
	cretVal := C.at_grad_set_enabled(cbool)
	return *(*int)(unsafe.Pointer(&cretVal))
}`, `func AtGradSetEnabled(b int) int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.at_grad_set_enabled(C.int(b)))
}`),
	once("libtch/tensor.go", `func AtDevice(ts Ctensor) int {
	cint := C.at_device(ts)
	return *(*int)(unsafe.Pointer(&cint))
}`, `func AtDevice(ts Ctensor) int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.at_device(ts))
}`),
	once("libtch/device.go", `import (
	"unsafe"
)

func Atc_cuda_device_count() int {
	t := C.atc_cuda_device_count()
	return *(*int)(unsafe.Pointer(&t))
}`, `func Atc_cuda_device_count() int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.atc_cuda_device_count())
}`),
	once("ts/tensor.go", `func NoGrad(fn func()) {
	// Switch off Grad
	MustGradSetEnabled(false)

	fn()

	// Switch on Grad
	MustGradSetEnabled(true)
}`, `//
// Patched by colash: the previous mode is restored, also when fn panics, on the OS thread that
// it was changed on (libtorch's grad mode is per thread; the goroutine stays on it meanwhile).
func NoGrad(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer MustGradSetEnabled(MustGradSetEnabled(false))
	fn()
}`),
	everywhere("ts/tensor-generated.go", "  ts.ctensor = *ptr\n",
		"  lib.AtFree(ts.ctensor) // patched by colash: the op returned a new handle; free the old one\n  ts.ctensor = *ptr\n"),
	// The ops that return a list of tensors (Chunk, Split, Unbind, ...) get a malloc'd array of
	// handles from libtch and never free it: 24 bytes and more lost per call, 2 KB per generation
	// of a tiny model whose fused MLP chunks its gate/up product.
	everywhere("ts/patch.go", "\n\tcurrentPtr := ctensorsPtr\n",
		"\n\tdefer C.free(unsafe.Pointer(ctensorsPtr)) // patched by colash: libtch mallocs the array of handles\n\tcurrentPtr := ctensorsPtr\n"),
	// libtorch and OpenMP keep the intra-op thread count per OS thread, and at::set_num_threads
	// reaches only the thread that calls it; OpenBLAS follows the calling thread's OpenMP setting.
	// gotch's calls run on whatever OS thread the Go scheduler picks, so the same op could run
	// with one thread or two depending on that thread's history, and give results that differ in
	// the last bits (a resumed RL run diverged from an uninterrupted one in 1 of 10 runs). Every
	// call first brings its OS thread in line with the last at_set_num_threads (a thread-local
	// check of an atomic generation count).
	once("libtch/torch_api.h", `extern "C" {
typedef torch::Tensor *tensor;`, `// Patched by colash: see colash_sync_threads in torch_api.cpp.
void colash_sync_threads();

extern "C" {
typedef torch::Tensor *tensor;`),
	once("libtch/torch_api.h", `#define PROTECT(x)                                                             \
  try {                                                                        \
    x                                                                          \`, `#define PROTECT(x)                                                             \
  try {                                                                        \
    colash_sync_threads();                                                     \
    x                                                                          \`),
	once("libtch/torch_api.cpp", `void at_set_num_threads(int n_threads) {
  PROTECT(at::set_num_threads(n_threads);)
}`, `void at_set_num_threads(int n_threads) {
  PROTECT(at::set_num_threads(n_threads); colash_threads_gen.fetch_add(1);)
}`),
	once("libtch/torch_api.cpp", `#include "torch_api.h"
`, `#include "torch_api.h"
#include <atomic>

// Patched by colash: the OS thread of every call takes libtorch's current thread count (at
// first, and again after each at_set_num_threads), as at::parallel_for's lazy init would, but
// before BLAS calls too.
static std::atomic<int> colash_threads_gen{0};
static thread_local int colash_threads_seen = -1;
void colash_sync_threads() {
  int g = colash_threads_gen.load(std::memory_order_acquire);
  if (g != colash_threads_seen) {
    colash_threads_seen = g;
    at::init_num_threads();
  }
}
`),
}
