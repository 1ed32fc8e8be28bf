package tensor

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Float32s copies any tensor's values to a Go slice (row-major), converting to float32.
func Float32s(t *ts.Tensor) []float32 { return copyOut[float32](t, gotch.Float) }

// Int64s copies an integer tensor's values to a Go slice.
func Int64s(t *ts.Tensor) []int64 { return copyOut[int64](t, gotch.Int64) }

// copyOut brings t to the CPU as a contiguous tensor of dt and copies it into a new slice.
func copyOut[T float32 | int64](t *ts.Tensor, dt gotch.DType) []T {
	c := t.MustTo(gotch.CPU, false).MustTotype(dt, true).MustContiguous(true)
	defer c.MustDrop()
	n := int(c.Numel())
	out := make([]T, n)
	if n > 0 {
		c.MustCopyData(out, uint(n))
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
