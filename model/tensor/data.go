package tensor

import (
	"unsafe"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// Float32s copies any tensor's values to a Go slice (row-major), converting to float32.
func Float32s(t *ts.Tensor) []float32 { return copyOut[float32](t, gotch.Float) }

// Int64s copies an integer tensor's values to a Go slice.
func Int64s(t *ts.Tensor) []int64 { return copyOut[int64](t, gotch.Int64) }

// copyOut brings t to the CPU as a contiguous tensor of dt and copies it into a new slice: one
// memcpy (gotch's CopyData first checks the slice's type element by element, through reflection,
// which costs more than the copy; a decode step copies its logits out this way).
func copyOut[T float32 | int64](t *ts.Tensor, dt gotch.DType) []T {
	c := t.MustTo(gotch.CPU, false).MustTotype(dt, true).MustContiguous(true)
	defer c.MustDrop()
	n := int(c.Numel())
	out := make([]T, n)
	if n > 0 {
		lib.AtCopyData(lib.Ctensor(c.Ctensor()), unsafe.Pointer(&out[0]), uint(n), uint(unsafe.Sizeof(out[0])))
		if err := ts.TorchErr(); err != nil {
			panic(err)
		}
	}
	return out
}

// FromFloat32s makes a float32 tensor of the given shape on dev.
func FromFloat32s(v []float32, shape []int64, dev gotch.Device) *ts.Tensor {
	return fromSlice(v, shape, dev)
}

// FromInt64s makes an int64 tensor of the given shape on dev.
func FromInt64s(v []int64, shape []int64, dev gotch.Device) *ts.Tensor {
	return fromSlice(v, shape, dev)
}

func fromSlice[T float32 | int64](v []T, shape []int64, dev gotch.Device) *ts.Tensor {
	t := ts.MustOfSlice(v).MustView(shape, true)
	if dev != gotch.CPU {
		return t.MustTo(dev, true)
	}
	return t
}

// Clone copies t into fresh contiguous storage with no gradient history.
func Clone(t *ts.Tensor) *ts.Tensor {
	d := t.MustDetach(false)
	return d.MustContiguous(true).MustMulScalar(Scalar(1), true)
}
