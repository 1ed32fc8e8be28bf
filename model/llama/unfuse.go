package llama

import "github.com/sugarme/gotch/ts"

// Unfuse undoes Fuse: Q, K, V, Gate and Up become separate tensors with storage of their own,
// so that they can train as leaf weights (a view of the fused matrix would not receive a gradient
// of its own). A block that is not fused is left alone.
func (b *Block) Unfuse() {
	if b.fused == nil {
		return
	}
	for _, p := range []**ts.Tensor{&b.Q, &b.K, &b.V, &b.Gate, &b.Up} {
		view := *p
		d := view.MustDetach(false)
		*p = d.MustContiguous(true).MustMulScalar(ts.FloatScalar(1), true)
		view.MustDrop()
	}
	b.freeFused()
}
