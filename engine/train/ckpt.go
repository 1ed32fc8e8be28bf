package train

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch"

	"colash/engine/train/optim"
)

// State is what a training checkpoint records besides weights and optimiser moments.
type State struct {
	Stage  Stage  `json:"stage"`
	Step   int    `json:"step"`
	Cursor Cursor `json:"cursor"`
	Noise  []byte `json:"noise"` // the Gumbel PCG stream's state
	Config Config `json:"config"`
}

// The Trainer is an engine/run Job: run.Loop drives it, logs, checkpoints and resumes it.

// Advance runs one update (ctx is not consulted: an update is short).
func (t *Trainer) Advance(context.Context) (any, error) { return t.TrainStep() }

// Done is the number of updates taken.
func (t *Trainer) Done() int { return t.Step }

// StartAt sets the steps done: a data-parallel rank starts where rank 0 resumed (run.Parallel).
func (t *Trainer) StartAt(step int) { t.Step = step }

// Device is where the trained weights live.
func (t *Trainer) Device() gotch.Device { return t.Net.Device }

// Save writes a resumable checkpoint into dir: the trained weights (float32), the optimiser state,
// and the step, data cursor, noise stream and configuration.
func (t *Trainer) Save(dir string) error {
	noise, err := t.noise.MarshalBinary()
	if err != nil {
		return err
	}
	return t.Opt.SaveCheckpoint(dir, State{Stage: t.Cfg.Stage, Step: t.Step, Cursor: t.Data.Cursor, Noise: noise, Config: t.Cfg})
}

// Load restores a checkpoint written by Save: weights, optimiser, step, data cursor and noise, so
// that the following updates are those of an uninterrupted run. The trainer must be for the same
// stage and model.
func (t *Trainer) Load(dir string) error {
	var st State
	if err := optim.ReadState(dir, &st); err != nil {
		return err
	}
	if st.Stage != t.Cfg.Stage {
		return fmt.Errorf("checkpoint %s is for stage %s, not %s", dir, st.Stage, t.Cfg.Stage)
	}
	if err := t.Opt.LoadCheckpoint(dir); err != nil {
		return err
	}
	if err := t.noise.UnmarshalBinary(st.Noise); err != nil {
		return fmt.Errorf("noise state: %w", err)
	}
	t.Step = st.Step
	t.Data.SetCursor(st.Cursor)
	return nil
}
