package rm

import (
	"fmt"

	"colash/engine/dist"
	"colash/engine/train/optim"
)

// Data parallelism over a dist.Group (Trainer.Group; nil: one process), as engine/train's: every
// rank draws the update's pairs from (seed, step), computes the loss of its block of them scaled
// by the block's share of the batch (the loss is a mean over pairs), and the gradients are
// summed, so each rank takes the update one process takes and the weights stay the same
// everywhere. The held-out accuracy is shared out the same way. Rank 0 alone reads and writes
// checkpoints: at the first update the other ranks take its weights, AdamW moments and step.

// SetGroup makes the trainer one rank of g (nil: one process), before its first update.
func (t *Trainer) SetGroup(g *dist.Group) error {
	if err := g.CheckSplit("rm: a batch", t.Cfg.Batch, "pairs"); err != nil {
		return err
	}
	t.Group, t.synced = g, false
	return nil
}

func (t *Trainer) many() bool { return t.Group != nil && t.Group.Size() > 1 }

// sync gives the other ranks rank 0's state once, at the first update of a run or a resume (or,
// when a finished run is resumed and takes none, before the held-out accuracy).
func (t *Trainer) sync() error {
	if !t.many() || t.synced {
		return nil
	}
	if err := t.syncFromRank0(); err != nil {
		return err
	}
	t.synced = true
	return nil
}

// syncFromRank0 gives every rank rank 0's state, before the first update of a run or a resume.
func (t *Trainer) syncFromRank0() error {
	st, err := t.Group.SyncState([]int64{int64(t.Step), t.Opt.Steps}, t.Opt.Tensors(), 0, t.M.Device())
	if err != nil {
		return fmt.Errorf("rm: %w", err)
	}
	t.Step, t.Opt.Steps = int(st[0]), st[1]
	return nil
}

// reduce sums the ranks' gradients and their sums of the pairs' statistics.
func (t *Trainer) reduce(st *pairStats) error {
	if err := optim.AllReduceGrads(t.Group, t.params, dist.Sum); err != nil {
		return err
	}
	return t.sumStats(st)
}

// sumStats sums pair statistics over the ranks.
func (t *Trainer) sumStats(st *pairStats) error {
	return t.Group.SumFloat64s(t.M.Device(), &st.Loss, &st.Acc, &st.Margin)
}

// heldOut is the held-out accuracy and mean loss, each rank scoring its block of the pairs.
func (t *Trainer) heldOut(micro int) (acc, loss float64, err error) {
	lo, hi := t.Group.Block(len(t.Held))
	a, l, err := t.M.Accuracy(t.Held[lo:hi], micro)
	if err != nil || !t.many() || len(t.Held) == 0 {
		return a, l, err
	}
	n := float64(hi - lo)
	st := pairStats{Loss: l * n, Acc: a * n}
	if err := t.sumStats(&st); err != nil {
		return 0, 0, err
	}
	return st.Acc / float64(len(t.Held)), st.Loss / float64(len(t.Held)), nil
}
