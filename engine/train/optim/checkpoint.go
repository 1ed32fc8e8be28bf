package optim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"colash/model/atomic"
)

// The files of a resumable checkpoint: every colash job that trains writes these three (into the
// fresh folder that engine/run swaps in atomically).
const (
	WeightsFile   = "weights.safetensors"   // the trained weights, float32
	OptimizerFile = "optimizer.safetensors" // the optimiser's moments and step count
	StateFile     = "state.json"            // the job's own state: step, seeds, data cursor, config
)

// SaveCheckpoint writes the optimiser's parameters, its moments and the job's state (a JSON value)
// into dir.
func (o *AdamW) SaveCheckpoint(dir string, state any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := SaveParams(filepath.Join(dir, WeightsFile), o.Params); err != nil {
		return err
	}
	if err := o.Save(filepath.Join(dir, OptimizerFile), nil); err != nil {
		return err
	}
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	return atomic.WriteFile(filepath.Join(dir, StateFile), append(b, '\n'))
}

// ReadState decodes a checkpoint's state.json into state, so that a job can check it belongs to
// this run before anything is restored.
func ReadState(dir string, state any) error {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, state); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, StateFile), err)
	}
	return nil
}

// LoadCheckpoint restores the parameters and moments SaveCheckpoint wrote into this optimiser
// (same parameters by name and shape).
func (o *AdamW) LoadCheckpoint(dir string) error {
	if err := LoadParams(filepath.Join(dir, WeightsFile), o.Params); err != nil {
		return err
	}
	_, err := o.Load(filepath.Join(dir, OptimizerFile))
	return err
}
