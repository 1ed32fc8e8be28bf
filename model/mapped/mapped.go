// Package mapped gives libtorch tensors over a memory-mapped file, so that a model's weights are
// the page cache's pages instead of a private copy: loading costs no time that grows with the
// model, and processes that load the same file share its memory.
//
// The mapping is copy-on-write (MAP_PRIVATE): a write to a weight copies that page and never
// reaches the file. A file truncated while mapped makes a read of its lost tail fault (SIGBUS),
// as with any mapping; colash replaces the files it writes by renaming a new file over the old
// one, which leaves a mapped old file whole.
package mapped

// #cgo CXXFLAGS: -std=c++17 -O2 -w -I${SRCDIR}/../../internal/cguard
// #cgo LDFLAGS: -Wl,--no-as-needed -lstdc++ -ltorch -ltorch_cpu -lc10
// #include <stdlib.h>
// #include "mapped.h"
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// File is a mapped file. Its tensors hold the mapping, which outlives Close while any of them is
// alive.
type File struct {
	path string
	h    C.mapped_file
}

// Open maps the file at path, which must still be size bytes long (the size its header was
// checked against).
func Open(path string, size int64) (*File, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h C.mapped_file
	if err := cerr(C.mapped_open(cpath, C.int64_t(size), &h)); err != nil {
		return nil, err
	}
	return &File{path: path, h: h}, nil
}

// Tensor is a CPU tensor of dtype dt and the given shape over the bytes at offset. The offset
// must be a multiple of dt's size, as the kernels that read it assume.
func (f *File) Tensor(offset int64, shape []int64, dt gotch.DType) (*ts.Tensor, error) {
	if f.h == nil {
		return nil, fmt.Errorf("mapped: %s is closed", f.path)
	}
	if size := int64(dt.Size()); offset%size != 0 {
		return nil, fmt.Errorf("mapped: %s: offset %d is not a multiple of %s's %d bytes", f.path, offset, dt, size)
	}
	dims := append(append([]int64(nil), shape...), 0) // a spare element: never empty, even for a scalar
	var out C.mapped_tensor
	err := cerr(C.mapped_tensor_at(f.h, C.int64_t(offset), (*C.int64_t)(unsafe.Pointer(&dims[0])),
		C.int64_t(len(shape)), C.int(dt.CInt()), &out))
	if err != nil {
		return nil, fmt.Errorf("mapped: %s: %w", f.path, err)
	}
	return ts.New(lib.Ctensor(out)), nil
}

// Close drops the file's own reference to the mapping.
func (f *File) Close() {
	if f.h != nil {
		C.mapped_close(f.h)
		f.h = nil
	}
}

// Live counts the mappings not yet unmapped in this process.
func Live() int { return int(C.mapped_live()) }

// Tensors counts the tensors over mappings not yet freed in this process (views share their
// base's storage and are not counted).
func Tensors() int { return int(C.mapped_tensors()) }

func cerr(s *C.char) error {
	if s == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(s))
	return errors.New(C.GoString(s))
}
