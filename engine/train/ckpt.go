package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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

// Checkpoint file names inside a checkpoint folder.
const (
	WeightsFile   = "trainable.safetensors"
	OptimizerFile = "optimizer.safetensors"
	StateFile     = "state.json"
)

// Save writes a resumable checkpoint to dir: the trained weights (float32), the optimiser state,
// and the step, data cursor, noise stream and configuration. It is written to dir.tmp and then
// renamed over dir, so dir always holds a whole checkpoint.
func (t *Trainer) Save(dir string) error {
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := optim.SaveParams(filepath.Join(tmp, WeightsFile), t.Params); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := t.Opt.Save(filepath.Join(tmp, OptimizerFile), nil); err != nil {
		return err
	}
	noise, err := t.noise.MarshalBinary()
	if err != nil {
		return err
	}
	st := State{Stage: t.Cfg.Stage, Step: t.Step, Cursor: t.Data.Cursor, Noise: noise, Config: t.Cfg}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, StateFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	old := dir + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	os.RemoveAll(old)
	return nil
}

// ReadState reads a checkpoint's state.json (falling back to dir.old if a save was interrupted
// between its two renames).
func ReadState(dir string) (*State, string, error) {
	for _, d := range []string{dir, dir + ".old"} {
		b, err := os.ReadFile(filepath.Join(d, StateFile))
		if err != nil {
			continue
		}
		var st State
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, "", fmt.Errorf("checkpoint %s: %w", d, err)
		}
		return &st, d, nil
	}
	return nil, "", fmt.Errorf("no checkpoint in %s", dir)
}

// Resume restores a checkpoint written by Save: weights, optimiser, step, data cursor and noise,
// so that the following updates are those of an uninterrupted run. The trainer must be for the
// same stage and model.
func (t *Trainer) Resume(dir string) error {
	st, dir, err := ReadState(dir)
	if err != nil {
		return err
	}
	if st.Stage != t.Cfg.Stage {
		return fmt.Errorf("checkpoint %s is for stage %s, not %s", dir, st.Stage, t.Cfg.Stage)
	}
	if err := optim.LoadParams(filepath.Join(dir, WeightsFile), t.Params); err != nil {
		return fmt.Errorf("resume %s: %w", dir, err)
	}
	if _, err := t.Opt.Load(filepath.Join(dir, OptimizerFile)); err != nil {
		return err
	}
	if err := t.noise.UnmarshalBinary(st.Noise); err != nil {
		return fmt.Errorf("resume %s: noise state: %w", dir, err)
	}
	t.Step = st.Step
	t.Data.SetCursor(st.Cursor)
	return nil
}
