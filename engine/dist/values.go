package dist

import (
	"encoding/binary"
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

// AllGatherBytes gathers every rank's bytes (of any length), in rank order: small structured
// values such as a shard of rollouts, serialised by the caller.
func (g *Group) AllGatherBytes(b []byte, dev gotch.Device) ([][]byte, error) {
	n, err := g.gatherInt64s([]int64{int64(len(b))}, dev)
	if err != nil {
		return nil, err
	}
	longest := int64(0)
	for _, l := range n {
		longest = max(longest, l[0])
	}
	// The bytes travel packed eight to an int64 word (Gloo gathers whole tensors of one dtype).
	padded := make([]byte, (longest+7)/8*8)
	copy(padded, b)
	words := make([]int64, len(padded)/8)
	for i := range words {
		words[i] = int64(binary.LittleEndian.Uint64(padded[8*i:]))
	}
	all, err := g.gatherInt64s(words, dev)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(all))
	for r, ws := range all {
		buf := make([]byte, 8*len(ws))
		for i, w := range ws {
			binary.LittleEndian.PutUint64(buf[8*i:], uint64(w))
		}
		out[r] = buf[:n[r][0]]
	}
	return out, nil
}

// gatherInt64s gathers v (the same length on every rank) from every rank.
func (g *Group) gatherInt64s(v []int64, dev gotch.Device) ([][]int64, error) {
	var x *ts.Tensor
	if err := tensor.Guard(func() { x = tensor.FromInt64s(v, []int64{int64(len(v))}, dev) }); err != nil {
		return nil, err
	}
	defer x.MustDrop()
	parts, err := g.AllGather(x)
	if err != nil {
		return nil, err
	}
	defer tensor.Drop(parts...)
	out := make([][]int64, len(parts))
	err = tensor.Guard(func() {
		for r, p := range parts {
			out[r] = tensor.Int64s(p)
		}
	})
	return out, err
}
