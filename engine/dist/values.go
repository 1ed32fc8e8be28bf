package dist

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// AllReduceFloat32s reduces a few numbers (metrics, counts) over ranks. dev is where the
// collective's tensor lives: the device the group's backend works on (the model's).
func (g *Group) AllReduceFloat32s(v []float32, op Op, dev gotch.Device) ([]float32, error) {
	return viaTensor(v, dev, tensor.FromFloat32s, tensor.Float32s, func(x *ts.Tensor) error { return g.AllReduce(x, op) })
}

// BroadcastInt64s returns root's v on every rank (v has the same length on all).
func (g *Group) BroadcastInt64s(v []int64, root int, dev gotch.Device) ([]int64, error) {
	return viaTensor(v, dev, tensor.FromInt64s, tensor.Int64s, func(x *ts.Tensor) error { return g.Broadcast(x, root) })
}

// viaTensor puts v in a vector tensor, runs fn on it and reads it back.
func viaTensor[T any](v []T, dev gotch.Device, mk func([]T, []int64, gotch.Device) *ts.Tensor,
	read func(*ts.Tensor) []T, fn func(*ts.Tensor) error) (out []T, err error) {
	var x *ts.Tensor
	if err := tensor.Guard(func() { x = mk(v, []int64{int64(len(v))}, dev) }); err != nil {
		return nil, err
	}
	defer x.MustDrop()
	if err := fn(x); err != nil {
		return nil, err
	}
	err = tensor.Guard(func() { out = read(x) })
	return out, err
}
