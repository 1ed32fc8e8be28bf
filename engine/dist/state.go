package dist

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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

// FirstStep is, on every rank, the step rank 0 starts from: that of the checkpoint in dir (its
// state's "step", as engine/train/optim writes it) when it resumes one, else 0. The other ranks
// start their loop there, so that they take no step when rank 0 has none left (a finished run
// resumed).
func (g *Group) FirstStep(dir string, resume bool, dev gotch.Device) (int, error) {
	var st struct {
		Step int `json:"step"`
	}
	if g.Rank() == 0 && resume {
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err == nil {
			err = json.Unmarshal(b, &st)
		}
		if err != nil && !os.IsNotExist(err) {
			return 0, fmt.Errorf("first step: %w", err)
		}
	}
	v, err := g.BroadcastInt64s([]int64{int64(st.Step)}, 0, dev)
	if err != nil {
		return 0, fmt.Errorf("first step from rank 0: %w", err)
	}
	return int(v[0]), nil
}
