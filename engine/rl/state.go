package rl

import (
	"context"
	"fmt"
	"os"

	"github.com/sugarme/gotch"

	"colash/engine/train/optim"
)

// State is what a checkpoint needs besides weights and optimiser moments. All randomness of a
// run derives from (Seed, Step), so it is the RNG state too.
type State struct {
	Step   int     `json:"step"`
	Seed   uint64  `json:"seed"`
	KLCoef float64 `json:"kl_coef"`
	Algo   Algo    `json:"algo"`
	Task   string  `json:"task"`
}

// The Trainer is an engine/run Job: run.Loop drives it, logs, checkpoints and resumes it.

// Advance runs one step (rollout, rewards, advantages, update).
func (t *Trainer) Advance(ctx context.Context) (any, error) { return t.TrainStep(ctx) }

// Done is the number of steps taken.
func (t *Trainer) Done() int { return t.Step }

// StartAt sets the steps done: a data-parallel rank starts where rank 0 resumed (run.Parallel).
func (t *Trainer) StartAt(step int) { t.Step = step }

// Device is where the actor's tensors live.
func (t *Trainer) Device() gotch.Device { return t.Actor.Device() }

// Save writes a checkpoint into dir: the trainable weights (with the value head for PPO), the
// optimiser state and the run's state.
func (t *Trainer) Save(dir string) error {
	return t.Opt.SaveCheckpoint(dir, State{Step: t.Step, Seed: t.Cfg.Seed, KLCoef: t.KLC.Coef, Algo: t.Cfg.Algo, Task: t.Task.Name})
}

// Load restores a checkpoint written by Save into a trainer built with the same model, task and
// config; the run then continues exactly where it stopped.
func (t *Trainer) Load(dir string) error {
	var st State
	if err := optim.ReadState(dir, &st); err != nil {
		return err
	}
	if st.Seed != t.Cfg.Seed || st.Algo != t.Cfg.Algo || st.Task != t.Task.Name {
		return fmt.Errorf("checkpoint has seed %d, algo %s and task %q; this run %d, %s and %q",
			st.Seed, st.Algo, st.Task, t.Cfg.Seed, t.Cfg.Algo, t.Task.Name)
	}
	src, err := unpackValueHead(dir)
	if err != nil {
		return err
	}
	if src != dir {
		defer os.RemoveAll(src)
	}
	if err := t.Opt.LoadCheckpoint(src); err != nil {
		return err
	}
	t.Step, t.KLC.Coef = st.Step, st.KLCoef
	return nil
}
