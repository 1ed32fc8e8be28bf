package weights

import (
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/mem"
)

// Direct is a Source that copies a tensor's stored bytes into memory the caller owns. The loader
// hands it a tensor's own storage, so a checkpoint is read once, from the page cache straight to
// where the weights live: no Go buffer in between, and no second copy in the resident set.
type Direct interface {
	Source
	// StoredDType gives a tensor's dtype in the source (F32, F16, BF16, ...).
	StoredDType(name string) (string, bool)
	// ReadInto copies a tensor's raw little-endian bytes into dst, which is exactly its size.
	ReadInto(name string, dst []byte) error
}

// Mapper is a Direct source whose tensors can also be views of a memory-mapped file: loading
// then copies nothing, and the weights are the page cache's pages.
type Mapper interface {
	Direct
	// Mappable reports whether Map gives tensor name: mapping is on and the tensor's offset is a
	// multiple of its element size.
	Mappable(name string) bool
	// Map gives tensor name, as stored, as a CPU tensor over the mapped file.
	Map(name string, shape []int64) (*ts.Tensor, error)
}

// Maps reports whether loading tensor name of src onto dev in dtype dt maps it instead of
// copying it: src maps it, dev is the CPU and the tensor is stored in dt. A model whose weights
// are mapped keeps them as they are stored (a fused copy would undo the mapping).
func Maps(src Source, name string, dev gotch.Device, dt gotch.DType) bool {
	m, ok := src.(Mapper)
	if !ok || dev.Name != gotch.CPU.Name || !m.Mappable(name) {
		return false
	}
	stored, _ := m.StoredDType(name)
	gdt, err := FileDType(stored)
	return err == nil && gdt == dt
}

// readFresh reads tensor name into dst, memory that was allocated for it and never written.
func readFresh(d Direct, name string, dst []byte) error {
	mem.Prefault(dst)
	return d.ReadInto(name, dst)
}

// Bytes is the storage of a contiguous CPU tensor as a byte slice (no copy). It aliases libtorch
// memory: valid while t lives.
func Bytes(t *ts.Tensor) []byte {
	n := int(t.Numel()) * int(t.DType().Size())
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(t.MustDataPtr()), n)
}

// StoredDType is the dtype name (F32, F16, BF16) of tensor name in src, read without its data
// where src is Direct.
func StoredDType(src Source, name string) (string, error) {
	if d, ok := src.(Direct); ok {
		if dt, ok := d.StoredDType(name); ok {
			return dt, nil
		}
		return "", fmt.Errorf("tensor %q not found", name)
	}
	_, dt, err := src.Read(name)
	return dt, err
}

// stored reads tensor name as it is stored: a new CPU tensor of the source's dtype.
func stored(src Source, name string, shape []int64) (*ts.Tensor, error) {
	if d, ok := src.(Direct); ok {
		fileDT, _ := d.StoredDType(name)
		gdt, err := FileDType(fileDT)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		t := ts.MustEmpty(shape, gdt, gotch.CPU)
		if err := readFresh(d, name, Bytes(t)); err != nil {
			t.MustDrop()
			return nil, err
		}
		return t, nil
	}
	data, fileDT, err := src.Read(name)
	if err != nil {
		return nil, err
	}
	gdt, err := FileDType(fileDT)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	t, err := ts.OfDataSize(data, shape, gdt)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return t, nil
}

// read gives tensor name on dev in dtype dt: a view of the mapped file where src maps it (see
// Maps), else a copy. A copied tensor already in dt on the CPU is the result itself; otherwise it
// is a temporary, freed once cast or moved.
func read(src Source, name string, shape []int64, dev gotch.Device, dt gotch.DType) (*ts.Tensor, error) {
	if Maps(src, name, dev, dt) {
		return src.(Mapper).Map(name, shape)
	}
	t, err := stored(src, name, shape)
	if err != nil {
		return nil, err
	}
	if t.DType() != dt {
		t = t.MustTotype(dt, true)
	}
	if dev != gotch.CPU {
		t = t.MustTo(dev, true)
	}
	return t, nil
}

// readInto fills dst (a preallocated weight, such as a row view of a fused matrix) with tensor
// name. A contiguous CPU destination of the stored dtype is read into directly.
func readInto(src Source, name string, dst *ts.Tensor) error {
	shape := dst.MustSize()
	if d, ok := src.(Direct); ok && dst.MustDevice().Name == gotch.CPU.Name && dst.MustIsContiguous() {
		if fileDT, _ := d.StoredDType(name); fileDT != "" {
			if gdt, err := FileDType(fileDT); err == nil && gdt == dst.DType() {
				return readFresh(d, name, Bytes(dst))
			}
		}
	}
	t, err := stored(src, name, shape)
	if err != nil {
		return err
	}
	defer t.MustDrop()
	dst.Copy_(t) // casts and moves as needed
	return nil
}
