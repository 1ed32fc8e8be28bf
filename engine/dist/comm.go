//go:build !nodist

package dist

// #cgo CXXFLAGS: -std=c++17 -g -O3 -w -I/usr/include/torch/csrc/api/include -I${SRCDIR}/../../internal/cguard
// #cgo LDFLAGS: -Wl,--no-as-needed -lstdc++ -ltorch -ltorch_cpu -lc10
// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"errors"
	"runtime"
	"time"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// withC10d says that this build has the c10d shim (-tags nodist leaves it out).
const withC10d = true

// comm is the C side of a group of more than one process.
type comm struct{ h C.dist_group }

// cerr turns a shim result into a Go error, freeing the C string.
func cerr(s *C.char) error {
	if s == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(s))
	return errors.New(C.GoString(s))
}

func newComm(e Env, join, timeout time.Duration) (*comm, error) {
	addr, iface, prefix := C.CString(e.Addr), C.CString(e.Iface), C.CString(e.StorePrefix())
	defer C.free(unsafe.Pointer(addr))
	defer C.free(unsafe.Pointer(iface))
	defer C.free(unsafe.Pointer(prefix))
	var h C.dist_group
	if err := cerr(C.dist_new(addr, C.int(e.Port), prefix, C.int(e.Rank), C.int(e.Size),
		C.int64_t(join.Milliseconds()), C.int64_t(timeout.Milliseconds()), iface, &h)); err != nil {
		return nil, err
	}
	return &comm{h: h}, nil
}

func (c *comm) allReduce(t *ts.Tensor, op Op) error {
	defer runtime.KeepAlive(t)
	return cerr(C.dist_allreduce(c.h, C.dist_tensor(t.Ctensor()), C.int(op)))
}

func (c *comm) broadcast(t *ts.Tensor, root int) error {
	defer runtime.KeepAlive(t)
	return cerr(C.dist_broadcast(c.h, C.dist_tensor(t.Ctensor()), C.int(root)))
}

func (c *comm) allGather(t *ts.Tensor, size int) ([]*ts.Tensor, error) {
	defer runtime.KeepAlive(t)
	outs := (*[1 << 20]C.dist_tensor)(C.malloc(C.size_t(size) * C.size_t(unsafe.Sizeof(C.dist_tensor(nil)))))[:size:size]
	defer C.free(unsafe.Pointer(&outs[0]))
	if err := cerr(C.dist_allgather(c.h, C.dist_tensor(t.Ctensor()), &outs[0])); err != nil {
		return nil, err
	}
	res := make([]*ts.Tensor, size)
	for i, h := range outs {
		res[i] = ts.New(lib.Ctensor(h))
	}
	return res, nil
}

func (c *comm) barrier() error { return cerr(C.dist_barrier(c.h)) }

func (c *comm) close() { C.dist_free(c.h) }
