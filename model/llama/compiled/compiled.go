// Package compiled runs a forward pass of a stack of Llama blocks as one call into C++ (step.cpp),
// over the same ATen ops that model/llama issues from Go one cgo call at a time. A decode step of
// a small model is bound by the number of ops and crossings, not by arithmetic: stories260K's
// 5 blocks cost ~2,000 cgo calls per token in Go and one here. model/llama's Go code stays the
// readable reference this is tested against.
package compiled

// #cgo CXXFLAGS: -std=c++17 -O3 -w -I/usr/include/torch/csrc/api/include -I${SRCDIR}/../../../internal/cguard
// #cgo LDFLAGS: -Wl,--no-as-needed -lstdc++ -ltorch -ltorch_cpu -lc10
// #include <stdlib.h>
// #include "step.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// Layer is one pre-norm block's weights: x += O(attend(rope(QKV(norm(x))))); x += Down(act(GateUp(norm(x)))).
// A layer has either its fused projections (QKV: the query, key and value rows stacked; GateUp)
// or the separate ones (Q, K, V; Gate, Up): an inference block is fused, a trained one is not.
type Layer struct {
	AttnNorm, QKV, Q, K, V, O, MLPNorm, GateUp, Gate, Up, Down *ts.Tensor
}

// handles gives the layer's weights in step.h's order, nil where absent, or an error naming what
// is missing.
func (l *Layer) handles() ([]*ts.Tensor, error) {
	w := []*ts.Tensor{l.AttnNorm, l.QKV, l.Q, l.K, l.V, l.O, l.MLPNorm, l.GateUp, l.Gate, l.Up, l.Down}
	switch {
	case l.AttnNorm == nil || l.O == nil || l.MLPNorm == nil || l.Down == nil:
		return nil, errors.New("a norm, O or Down weight is missing")
	case (l.QKV == nil) == (l.Q == nil || l.K == nil || l.V == nil):
		return nil, errors.New("give either QKV or all of Q, K and V")
	case (l.GateUp == nil) == (l.Gate == nil || l.Up == nil):
		return nil, errors.New("give either GateUp or both Gate and Up")
	}
	return w, nil
}

// Shape is what the weights do not say about the blocks.
type Shape struct {
	Heads, KVHeads int
	Eps            float64 // RMSNorm epsilon
	MatVecMin      int64   // >= 0: a few float32 rows take the rows kernel (rows.cpp), one row of a weight with at least this many elements mv; < 0: neither
}

// Pass is one forward call: x [B,T,d] at cache slots Past..Past+T-1. Cos and Sin [B,T,1,hd] are
// the rotary tables at each token's position; Mask [B,1,T,S], or [1,1,T,S] for every sequence
// (nil: all visible), is added to the attention scores. K and V (nil: no cache) hold one
// [B,nKV,Cap,hd] tensor per layer, with Cap >= Past+T. Causal promises that Mask hides every slot
// after the query's own, which a pass that autograd records then leaves out of its products.
type Pass struct {
	X, Cos, Sin, Mask *ts.Tensor
	K, V              []*ts.Tensor
	Past              int
	Causal            bool
}

var calls atomic.Int64

// Calls counts the passes run here, so that callers can tell which path ran.
func Calls() int64 { return calls.Load() }

// Blocks applies the layers to p.X and returns a new tensor [B,T,d]; with a cache, the new keys
// and values are written into it.
func Blocks(sh Shape, layers []Layer, p Pass) (*ts.Tensor, error) {
	n := len(layers)
	if p.K != nil && (len(p.K) != n || len(p.V) != n) {
		return nil, fmt.Errorf("compiled: %d layers but %d/%d cache tensors", n, len(p.K), len(p.V))
	}
	keep := make([]*ts.Tensor, 0, 6*n+2*len(p.K)+4) // held until the call returns
	var missing []string
	// handle is t's C handle, NULL for an optional tensor left out; a required one that is nil,
	// and any that was freed, is named in missing (the C++ side dereferences what it is given).
	handle := func(t *ts.Tensor, required bool, what string, args ...any) C.step_tensor {
		if t == nil && !required {
			return nil
		}
		if t == nil || t.Ctensor() == nil {
			missing = append(missing, fmt.Sprintf(what, args...))
			return nil
		}
		keep = append(keep, t)
		return C.step_tensor(t.Ctensor())
	}
	// C memory: cgo forbids passing Go memory that holds pointers, even C ones, to C.
	w := cArray(C.STEP_WEIGHTS * n)
	defer C.free(unsafe.Pointer(&w[0]))
	for i, l := range layers {
		ws, err := l.handles()
		if err != nil {
			return nil, fmt.Errorf("compiled: layer %d: %w", i, err)
		}
		for j, t := range ws {
			w[C.STEP_WEIGHTS*i+j] = handle(t, false, "layer %d's weight %d", i, j)
		}
	}
	var kp, vp *C.step_tensor
	if p.K != nil {
		k, v := cArray(n), cArray(n)
		defer C.free(unsafe.Pointer(&k[0]))
		defer C.free(unsafe.Pointer(&v[0]))
		for i := range n {
			k[i], v[i] = handle(p.K[i], true, "K[%d]", i), handle(p.V[i], true, "V[%d]", i)
		}
		kp, vp = &k[0], &v[0]
	}
	x, cos, sin, mask := handle(p.X, true, "X"), handle(p.Cos, true, "Cos"), handle(p.Sin, true, "Sin"), handle(p.Mask, false, "Mask")
	if len(missing) > 0 {
		return nil, fmt.Errorf("compiled: no tensor (nil or freed) for %s", strings.Join(missing, ", "))
	}
	shape := C.step_shape{heads: C.int64_t(sh.Heads), kv_heads: C.int64_t(sh.KVHeads),
		eps: C.double(sh.Eps), matvec_min: C.int64_t(sh.MatVecMin)}
	calls.Add(1)
	var out C.step_tensor
	msg := C.step_blocks(&shape, C.int64_t(n), &w[0], kp, vp, C.int64_t(p.Past), x, cos, sin, mask, cBool(p.Causal), &out)
	runtime.KeepAlive(keep)
	return tensorOut("compiled step: ", out, msg)
}

// Attend is the compiled step's attention alone, softmax(q k^T / sqrt(hd) + mask) v for
// q [B,nH,T,hd], k and v [B,nKV,S,hd] and mask [B,1,T,S] (nil: all visible; causal as for
// Pass.Causal), giving a new [B,nH,T,hd]: a pass that runs the Go ops (one with hooks) calls it,
// so that its attention is the compiled pass's, bit for bit.
func Attend(q, k, v, mask *ts.Tensor, causal bool) (*ts.Tensor, error) {
	var missing []string
	for _, t := range []struct {
		name string
		t    *ts.Tensor
	}{{"q", q}, {"k", k}, {"v", v}, {"mask", mask}} {
		if (t.t == nil && t.name != "mask") || (t.t != nil && t.t.Ctensor() == nil) {
			missing = append(missing, t.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("compiled attention: no tensor (nil or freed) for %s", strings.Join(missing, ", "))
	}
	var mp C.step_tensor
	if mask != nil {
		mp = C.step_tensor(mask.Ctensor())
	}
	var out C.step_tensor
	msg := C.step_attend(C.step_tensor(q.Ctensor()), C.step_tensor(k.Ctensor()), C.step_tensor(v.Ctensor()), mp, cBool(causal), &out)
	runtime.KeepAlive([]*ts.Tensor{q, k, v, mask})
	return tensorOut("compiled attention: ", out, msg)
}

// Linear is x w^T for x [...,K] and w [N,K], as Blocks computes its products with MatVecMin 0:
// up to 16 float32 rows through the written-out kernel (rows.cpp) unless autograd must record
// them, one row otherwise through mv, the rest through F.linear. nn.MatMul calls it.
func Linear(x, w *ts.Tensor) (*ts.Tensor, error) {
	if x == nil || w == nil || x.Ctensor() == nil || w.Ctensor() == nil {
		return nil, errors.New("compiled linear: no tensor (nil or freed)")
	}
	var out C.step_tensor
	msg := C.step_linear(C.step_tensor(x.Ctensor()), C.step_tensor(w.Ctensor()), &out)
	runtime.KeepAlive([]*ts.Tensor{x, w})
	return tensorOut("compiled linear: ", out, msg)
}

// CopySlots copies n slots (axis 2) of each src[i] from slot from into dst[i] at slot at, in one
// call: row srcRow of src[i] into row dstRow of dst[i], a negative row meaning the whole batch
// (both negative) or a tensor's only row. KV caches move their layers with it.
func CopySlots(dst, src []*ts.Tensor, dstRow, srcRow, at, from, n int) error {
	if len(dst) != len(src) {
		return fmt.Errorf("compiled copy: %d destinations for %d sources", len(dst), len(src))
	}
	if n <= 0 || len(dst) == 0 {
		return nil
	}
	d, err := cTensors("compiled copy: ", dst)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(&d[0]))
	s, err := cTensors("compiled copy: ", src)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(&s[0]))
	msg := C.step_copy_slots(C.int64_t(len(dst)), &d[0], &s[0], C.int64_t(dstRow), C.int64_t(srcRow), C.int64_t(at), C.int64_t(from), C.int64_t(n))
	runtime.KeepAlive(dst)
	runtime.KeepAlive(src)
	return cErr("compiled copy: ", msg)
}

// ZerosLike is n new zero tensors of like's shape, dtype and device, made in one call.
func ZerosLike(like *ts.Tensor, n int) ([]*ts.Tensor, error) {
	if like == nil || like.Ctensor() == nil {
		return nil, errors.New("compiled zeros: no tensor (nil or freed)")
	}
	if n <= 0 {
		return nil, nil
	}
	out := cArray(n)
	defer C.free(unsafe.Pointer(&out[0]))
	msg := C.step_zeros_like(C.step_tensor(like.Ctensor()), C.int64_t(n), &out[0])
	runtime.KeepAlive(like)
	return tensorsOut("compiled zeros: ", out, msg)
}

// KeepRows is each of ts's rows (axis 0) rows, in that order, as new tensors made in one call.
func KeepRows(tensors []*ts.Tensor, rows []int64) ([]*ts.Tensor, error) {
	if len(tensors) == 0 {
		return nil, nil
	}
	t, err := cTensors("compiled rows: ", tensors)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(&t[0]))
	out := cArray(len(tensors))
	defer C.free(unsafe.Pointer(&out[0]))
	r := (*C.int64_t)(C.malloc(C.size_t(max(len(rows), 1)) * 8))
	defer C.free(unsafe.Pointer(r))
	copy(unsafe.Slice((*int64)(unsafe.Pointer(r)), len(rows)), rows)
	msg := C.step_keep_rows(C.int64_t(len(tensors)), &t[0], r, C.int64_t(len(rows)), &out[0])
	runtime.KeepAlive(tensors)
	return tensorsOut("compiled rows: ", out, msg)
}

// tensorsOut is the tensors a C call made, one a handle of out, or its error (prefix first); on
// error no handle was filled in.
func tensorsOut(prefix string, out []C.step_tensor, msg *C.char) ([]*ts.Tensor, error) {
	if err := cErr(prefix, msg); err != nil {
		return nil, err
	}
	res := make([]*ts.Tensor, len(out))
	for i := range res {
		res[i] = ts.New(lib.Ctensor(out[i]))
	}
	return res, nil
}

// tensorOut is the tensor a C call made, or its error (prefix first).
func tensorOut(prefix string, out C.step_tensor, msg *C.char) (*ts.Tensor, error) {
	if err := cErr(prefix, msg); err != nil {
		return nil, err
	}
	return ts.New(lib.Ctensor(out)), nil
}

// cErr is a C call's error message (malloc'd; freed here) as an error, prefix first; nil for none.
func cErr(prefix string, msg *C.char) error {
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return errors.New(prefix + C.GoString(msg))
}

// cTensors is the handles of tensors in C memory (cgo forbids passing Go memory that holds
// pointers), for the caller to free, or an error (prefix first) for a nil or freed tensor.
func cTensors(prefix string, tensors []*ts.Tensor) ([]C.step_tensor, error) {
	a := cArray(len(tensors))
	for i, t := range tensors {
		if t == nil || t.Ctensor() == nil {
			C.free(unsafe.Pointer(&a[0]))
			return nil, errors.New(prefix + "no tensor (nil or freed)")
		}
		a[i] = C.step_tensor(t.Ctensor())
	}
	return a, nil
}

// Serially makes the calling OS thread run libtorch's ops on itself alone until restore is
// called, when a pass of rows rows whose largest weight has largest elements is small enough
// that the compiled step would (BLAS picks other kernels, with other rounding, on one thread
// than on several). The goroutine keeps its OS thread until then.
func Serially(rows, largest int64) (restore func()) {
	runtime.LockOSThread()
	// A gotch call gives the thread libtorch's thread count first, if it has not got it yet (an OS
	// thread new to libtorch starts with OpenMP's default): otherwise the first op after
	// step_serial_begin would set it, undoing the serial pass, and restore would put back the
	// default, above libtorch's count.
	lib.AtGetNumThreads()
	h := C.step_serial_begin(C.int64_t(rows), C.int64_t(largest))
	return func() {
		C.step_serial_end(h)
		runtime.UnlockOSThread()
	}
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// cArray allocates n tensor handles in C memory.
func cArray(n int) []C.step_tensor {
	size := C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof(C.step_tensor(nil)))
	return unsafe.Slice((*C.step_tensor)(C.malloc(size)), max(n, 1))
}
