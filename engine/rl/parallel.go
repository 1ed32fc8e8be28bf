package rl

import (
	"fmt"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/tensor"
)

// Data-parallel policy update over a dist.Group (Trainer.Group; nil: one process). Every rank
// runs the same rollouts (a step's sampling is a function of its seed, so they are identical) and
// then computes the loss of its share of each mini-batch's rows. The loss is a sum over rows
// divided by the mini-batch's size, so the gradients summed over ranks are one process's
// gradient, and every rank clips and steps identically. Rollouts are not sharded yet, and a run
// on several processes does not resume (docs/distributed.md).

// share is this rank's part of a mini-batch's rows.
func (t *Trainer) share(rows []int) ([]int, error) {
	if t.Group == nil || t.Group.Size() == 1 {
		return rows, nil
	}
	n, r := t.Group.Size(), t.Group.Rank()
	if len(rows) < n {
		return nil, fmt.Errorf("rl: a mini-batch of %d rows does not split over %d processes", len(rows), n)
	}
	return rows[r*len(rows)/n : (r+1)*len(rows)/n], nil
}

// sumGrads adds up the ranks' gradients.
func (t *Trainer) sumGrads() error {
	if t.Group == nil {
		return nil
	}
	grads, err := optim.Grads(t.params)
	defer func() { tensor.Drop(grads...) }()
	if err != nil {
		return err
	}
	return t.Group.AllReduceMany(grads, dist.Sum)
}

// sumStats adds up the ranks' per-row statistics of an update.
func (t *Trainer) sumStats(st *updateStats) error {
	if t.Group == nil {
		return nil
	}
	v, err := t.Group.AllReduceFloat32s([]float32{float32(st.loss), float32(st.vloss), float32(st.klLoss),
		float32(st.entropy), float32(st.clip), float32(st.tokens)}, dist.Sum, t.Actor.Device())
	if err != nil {
		return err
	}
	st.loss, st.vloss, st.klLoss = float64(v[0]), float64(v[1]), float64(v[2])
	st.entropy, st.clip, st.tokens = float64(v[3]), float64(v[4]), float64(v[5])
	return nil
}
