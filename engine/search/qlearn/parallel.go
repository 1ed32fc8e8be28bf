package qlearn

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/tensor"
)

// Data parallelism over a dist.Group (Trainer.Group; nil: one process), as engine/train's: every
// rank draws the step's batch from (Seed, step), computes the squared TD errors of its block of
// samples divided by the whole batch's count of taken codes, and the gradients are summed, so
// each rank takes the update one process takes and the online and target networks stay the same
// everywhere. Rank 0 alone reads and writes checkpoints: at the first step the other ranks take
// its online and target weights, AdamW moments and step.

// SetGroup makes the trainer one rank of g (nil: one process), before its first step.
func (t *Trainer) SetGroup(g *dist.Group) error {
	if g != nil && t.Cfg.Batch%g.Size() != 0 {
		return fmt.Errorf("qnet train: batch %d does not split evenly over %d processes", t.Cfg.Batch, g.Size())
	}
	t.Group, t.synced = g, false
	return nil
}

func (t *Trainer) many() bool { return t.Group != nil && t.Group.Size() > 1 }

// block is this rank's samples [lo, hi) of a batch of n.
func (t *Trainer) block(n int) (lo, hi int) {
	if !t.many() {
		return 0, n
	}
	s, r := t.Group.Size(), t.Group.Rank()
	return r * n / s, (r + 1) * n / s
}

// syncFromRank0 gives every rank rank 0's state, before the first step of a run or a resume.
func (t *Trainer) syncFromRank0() error {
	st, err := t.Group.BroadcastInt64s([]int64{int64(t.Step), t.Opt.Steps}, 0, t.Online.Device)
	if err != nil {
		return fmt.Errorf("qnet train: state from rank 0: %w", err)
	}
	t.Step, t.Opt.Steps = int(st[0]), st[1]
	var w []*ts.Tensor
	for _, p := range append(t.Opt.Params, targetParams(t.Target)...) {
		w = append(w, p.W)
	}
	if err := t.Group.BroadcastMany(append(append(w, t.Opt.M...), t.Opt.V...), 0); err != nil {
		return fmt.Errorf("qnet train: weights from rank 0: %w", err)
	}
	return nil
}

// reduce sums the ranks' gradients and their shares of the loss and the mean Q.
func (t *Trainer) reduce(loss, qmean *float64) error {
	if !t.many() {
		return nil
	}
	grads, err := optim.Grads(t.Opt.Params)
	defer func() { tensor.Drop(grads...) }()
	if err == nil {
		err = t.Group.AllReduceMany(grads, dist.Sum)
	}
	if err != nil {
		return err
	}
	v, err := t.Group.AllReduceFloat32s([]float32{float32(*loss), float32(*qmean)}, dist.Sum, t.Online.Device)
	if err != nil {
		return err
	}
	*loss, *qmean = float64(v[0]), float64(v[1])
	return nil
}
