package dist

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Block is this rank's rows [lo, hi) of n rows shared out in contiguous blocks, in rank order:
// all of them on a nil group or a world of one.
func (g *Group) Block(n int) (lo, hi int) {
	if g == nil || g.Size() == 1 {
		return 0, n
	}
	return g.Rank() * n / g.Size(), (g.Rank() + 1) * n / g.Size()
}

// SyncState gives every rank root's state of a data-parallel trainer, before the first step of a
// run or a resume: counters (steps and the like) are returned, tensors (weights, optimiser
// moments) are replaced in place.
func (g *Group) SyncState(counters []int64, tensors []*ts.Tensor, root int, dev gotch.Device) ([]int64, error) {
	c, err := g.BroadcastInt64s(counters, root, dev)
	if err != nil {
		return nil, fmt.Errorf("state from rank %d: %w", root, err)
	}
	if err := g.BroadcastMany(tensors, root); err != nil {
		return nil, fmt.Errorf("weights from rank %d: %w", root, err)
	}
	return c, nil
}
