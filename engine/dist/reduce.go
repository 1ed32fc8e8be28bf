package dist

import (
	"fmt"

	"github.com/sugarme/gotch"
)

// The pieces every data-parallel trainer shares (engine/train, engine/rl, engine/rm,
// engine/search/qlearn): rows are shared out with Block, a batch too small for the group is
// refused with CheckSplit, and an update's statistics are summed with SumFloat64s. Gradients are
// reduced by optim.AllReduceGrads, state is taken from rank 0 with SyncState.

// CheckSplit refuses a batch of n rows too small to give every rank at least one (Block's blocks
// may differ by a row: the trainers weight each rank's loss by its share of the whole batch, but
// an empty block has no loss to weight). what and rows name the batch, as in
// "rm: a batch of 3 pairs does not split over 4 processes". A nil group takes any batch.
func (g *Group) CheckSplit(what string, n int, rows string) error {
	if g == nil || g.Size() == 1 || n >= g.Size() {
		return nil
	}
	return fmt.Errorf("%s of %d %s does not split over %d processes", what, n, rows, g.Size())
}

// SumFloat64s replaces each *x, on every rank, by its sum over ranks: the statistics of an update
// that each rank measured on its own rows. They travel as float32 (metrics, where 7 digits do;
// the multi-rank tests were written against that rounding), so a nil group or a world of one
// leaves them untouched. dev is where the collective's tensor lives (the model's device).
func (g *Group) SumFloat64s(dev gotch.Device, xs ...*float64) error {
	if g == nil || g.Size() == 1 {
		return nil
	}
	v := make([]float32, len(xs))
	for i, x := range xs {
		v[i] = float32(*x)
	}
	v, err := g.AllReduceFloat32s(v, Sum, dev)
	if err != nil {
		return err
	}
	for i, x := range xs {
		*x = float64(v[i])
	}
	return nil
}
