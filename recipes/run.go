package recipes

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/models"
)

// OutDir is where the recipe's results go.
func (r *Recipe) OutDir() string {
	out := r.Out
	if out == "" {
		out = filepath.Join("results", r.Name)
	}
	if !filepath.IsAbs(out) && r.path != "" {
		out = filepath.Join(filepath.Dir(r.path), out)
	}
	return out
}

// Results is what results.json holds.
type Results struct {
	Recipe   string    `json:"recipe"`
	Kind     string    `json:"kind"`
	Model    string    `json:"model"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`
	Metrics  any       `json:"metrics"`
}

// Run runs the recipe. Its state lives in OutDir, so running it again after an interruption
// continues where it stopped; results.json is written when it completes.
func Run(ctx context.Context, r *Recipe, progress io.Writer) (*Results, error) {
	start := time.Now()
	out := r.OutDir()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	tensor.SetThreads(r.Model.Threads)
	dev, err := tensor.ParseDevice(r.Model.Device)
	if err != nil {
		return nil, err
	}
	dt, err := tensor.ParseDType(r.Model.DType)
	if err != nil {
		return nil, err
	}
	path := r.Model.Path
	if !filepath.IsAbs(path) && path != "" && r.path != "" {
		if _, err := os.Stat(filepath.Join(filepath.Dir(r.path), path)); err == nil {
			path = filepath.Join(filepath.Dir(r.path), path) // relative to the recipe file
		}
	}
	if path, err = models.Resolve(path); err != nil {
		return nil, err
	}
	m, err := checkpoint.Open(path, checkpoint.Options{Device: dev, DType: dt})
	if err != nil {
		return nil, err
	}
	defer m.Free()
	if progress != nil {
		fmt.Fprintf(progress, "recipe %s: %s on %s\n", r.Name, r.Kind, m)
	}
	res := &Results{Recipe: r.Name, Kind: r.Kind, Model: path}
	switch r.Kind {
	case "eval":
		rep, err := RunEval(ctx, m, r.Eval, filepath.Join(out, "problems.jsonl"), progress)
		if err != nil {
			return nil, err
		}
		res.Metrics = rep
	}
	res.Finished, res.Seconds = time.Now().UTC(), time.Since(start).Seconds()
	return res, checkpoint.WriteJSON(filepath.Join(out, "results.json"), res)
}
