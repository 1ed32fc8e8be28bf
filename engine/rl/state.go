package rl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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

// Save writes a checkpoint to dir: the trainable weights (policy.safetensors, with the value
// head for PPO), the optimiser state (optim.safetensors) and state.json.
func (t *Trainer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := optim.SaveParams(filepath.Join(dir, "policy.safetensors"), t.params); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := t.Opt.Save(filepath.Join(dir, "optim.safetensors"), nil); err != nil {
		return err
	}
	st := State{Step: t.Step, Seed: t.Cfg.Seed, KLCoef: t.KLC.Coef, Algo: t.Cfg.Algo, Task: t.Task.Name}
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := filepath.Join(dir, "state.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "state.json"))
}

// Load restores a checkpoint written by Save into a trainer built with the same model, task and
// config; the run then continues exactly where it stopped.
func (t *Trainer) Load(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("resume %s: %w", dir, err)
	}
	if st.Seed != t.Cfg.Seed || st.Algo != t.Cfg.Algo {
		return fmt.Errorf("resume %s: checkpoint has seed %d and algo %s, this run %d and %s", dir, st.Seed, st.Algo, t.Cfg.Seed, t.Cfg.Algo)
	}
	if err := optim.LoadParams(filepath.Join(dir, "policy.safetensors"), t.params); err != nil {
		return fmt.Errorf("resume %s: %w", dir, err)
	}
	if _, err := t.Opt.Load(filepath.Join(dir, "optim.safetensors")); err != nil {
		return err
	}
	t.Step, t.KLC.Coef = st.Step, st.KLCoef
	return nil
}
