package dist

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// BucketBytes bounds the flat buffer AllReduceMany and BroadcastMany build: a few large
// collectives instead of one per tensor (per-call latency dominates small tensors), without a
// second copy of all the weights at once. 25 MB is PyTorch DDP's bucket size.
var BucketBytes int64 = 25 << 20

// AllReduceMany reduces every tensor of xs in place, as AllReduce on each would. Tensors of one
// bucket must share a dtype; a change of dtype starts a new bucket.
func (g *Group) AllReduceMany(xs []*ts.Tensor, op Op) error {
	if g.c == nil {
		return g.AllReduce(nil, op) // the same checks, nothing to move
	}
	return bucketed(xs, widened(func(flat *ts.Tensor) error { return g.AllReduce(flat, op) }))
}

// BroadcastMany replaces every tensor of xs by root's, in place (weights requiring grad included).
func (g *Group) BroadcastMany(xs []*ts.Tensor, root int) error {
	if g.c == nil {
		return g.Broadcast(nil, root)
	}
	return bucketed(xs, widened(func(flat *ts.Tensor) error { return g.Broadcast(flat, root) }))
}

// widened applies fn to a bfloat16 buffer as float32 (Gloo in libtorch 1.13 has no bfloat16:
// "Invalid scalar type") and rounds the result back once; other dtypes go as they are.
func widened(fn func(flat *ts.Tensor) error) func(flat *ts.Tensor) error {
	return func(flat *ts.Tensor) error {
		if flat.DType() != gotch.BFloat16 {
			return fn(flat)
		}
		var wide *ts.Tensor
		if err := tensor.Guard(func() { wide = flat.MustTotype(gotch.Float, false) }); err != nil {
			return err
		}
		defer wide.MustDrop()
		if err := fn(wide); err != nil {
			return err
		}
		return tensor.Guard(func() { tensor.NoGrad(func() { flat.Copy_(wide) }) })
	}
}

// bucketed copies runs of xs into flat buffers, applies fn to each and copies the results back.
func bucketed(xs []*ts.Tensor, fn func(flat *ts.Tensor) error) error {
	for start := 0; start < len(xs); {
		end, size := start+1, nbytes(xs[start])
		for end < len(xs) && xs[end].DType() == xs[start].DType() && size+nbytes(xs[end]) <= BucketBytes {
			size += nbytes(xs[end])
			end++
		}
		var flat *ts.Tensor
		if err := tensor.Guard(func() { flat = flatten(xs[start:end]) }); err != nil {
			return err
		}
		err := fn(flat)
		if err == nil {
			err = tensor.Guard(func() { unflatten(flat, xs[start:end]) })
		}
		flat.MustDrop()
		if err != nil {
			return err
		}
		start = end
	}
	return nil
}

func nbytes(x *ts.Tensor) int64 { return int64(x.Numel()) * int64(x.DType().Size()) }

// flatten concatenates xs, each read as a vector, into one new contiguous tensor.
func flatten(xs []*ts.Tensor) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	views := make([]*ts.Tensor, len(xs))
	for i, x := range xs {
		views[i] = s.T(x.MustReshape([]int64{-1}, false))
	}
	return ts.MustCat(views, 0)
}

// unflatten copies consecutive slices of flat back into xs (autograd off: weights are leaves).
func unflatten(flat *ts.Tensor, xs []*ts.Tensor) {
	tensor.NoGrad(func() {
		s := &tensor.Scope{}
		defer s.Close()
		off := int64(0)
		for _, x := range xs {
			n := int64(x.Numel())
			part := s.T(flat.MustNarrow(0, off, n, false))
			x.Copy_(s.T(part.MustView(x.MustSize(), false)))
			off += n
		}
	})
}
