package qlearn

import (
	"fmt"

	"colash/engine/dist"
	"colash/engine/train/optim"
)

// Data parallelism over a dist.Group (Trainer.Group; nil: one process), as engine/train's: every
// rank draws the step's batch from (Seed, step), computes the squared TD errors of its block of
// samples divided by the whole batch's count of taken codes, and the gradients are summed, so
// each rank takes the update one process takes and the online and target networks stay the same
// everywhere. Rank 0 alone reads and writes checkpoints: at the first step the other ranks take
// its online and target weights, AdamW moments and step.

// SetGroup makes the trainer one rank of g (nil: one process), before its first step.
func (t *Trainer) SetGroup(g *dist.Group) error {
	if err := g.CheckSplit("qnet train: a batch", t.Cfg.Batch, "samples"); err != nil {
		return err
	}
	t.Group, t.synced = g, false
	return nil
}

func (t *Trainer) many() bool { return t.Group != nil && t.Group.Size() > 1 }

// syncFromRank0 gives every rank rank 0's state, before the first step of a run or a resume.
func (t *Trainer) syncFromRank0() error {
	w := t.Opt.Tensors()
	for _, p := range targetParams(t.Target) {
		w = append(w, p.W)
	}
	st, err := t.Group.SyncState([]int64{int64(t.Step), t.Opt.Steps}, w, 0, t.Online.Device)
	if err != nil {
		return fmt.Errorf("qnet train: %w", err)
	}
	t.Step, t.Opt.Steps = int(st[0]), st[1]
	return nil
}

// reduce sums the ranks' gradients and their shares of the loss and the mean Q.
func (t *Trainer) reduce(loss, qmean *float64) error {
	if err := optim.AllReduceGrads(t.Group, t.Opt.Params, dist.Sum); err != nil {
		return err
	}
	return t.Group.SumFloat64s(t.Online.Device, loss, qmean)
}
