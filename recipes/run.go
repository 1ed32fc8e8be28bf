package recipes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"colash/engine/dist"
	"colash/model/atomic"
	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/recipes/results"
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

// SetOut sets the results folder (a path as given, not relative to the recipe).
func (r *Recipe) SetOut(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	r.Out = dir
}

// Results, StageResult and ToTarget are results.json's (package results).
type (
	Results     = results.Results
	StageResult = results.Stage
	ToTarget    = results.ToTarget
)

// Run runs the recipe's stages in order. A completed stage is skipped (its results are read back),
// so running a recipe again after an interruption continues where it stopped; results.json is
// written when every stage is done.
func Run(ctx context.Context, r *Recipe, progress io.Writer) (*Results, error) {
	return RunOn(ctx, nil, r, progress)
}

// RunOn is Run as one rank of g (nil: one process), under colash launch or torchrun: every rank
// runs the data-parallel stages (train, rl, rm, qnet-train) together, rank 0 alone runs the
// others while the rest wait, and rank 0 alone writes the results folder, which the ranks share
// (one machine, or a shared file system). Only rank 0 returns the results.
func RunOn(ctx context.Context, g *dist.Group, r *Recipe, progress io.Writer) (*Results, error) {
	start := time.Now()
	out := r.OutDir()
	rank0 := g == nil || g.Rank() == 0
	var others io.Writer // where a rank other than 0 says which stages it joins
	if !rank0 {
		progress, others = nil, progress
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	tensor.SetThreads(r.Model.Threads)
	device := r.Model.Device
	if g != nil && g.Size() > 1 {
		device = tensor.OnLocalRank(device, g.LocalRank()) // one GPU per process of a machine
	}
	dev, err := tensor.ParseDevice(device)
	if err != nil {
		return nil, err
	}
	dt, err := tensor.ParseDType(r.Model.DType)
	if err != nil {
		return nil, err
	}
	if rank0 {
		if err := writeConfig(r, out); err != nil {
			return nil, err
		}
	}
	e := &env{r: r, out: out, opt: checkpoint.Options{Device: dev, DType: dt}, progress: progress, group: g, others: others}
	res := &Results{Recipe: r.Name, Model: r.Model.Path, Smoke: r.smoke}
	for i, s := range r.Stages {
		sr, err := e.stage(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("stage %d of %d (%s, %s): %w", i+1, len(r.Stages), s.Name, s.Kind, err)
		}
		res.Stages = append(res.Stages, *sr)
		if line := stageSparkline(r, out, *sr); line != "" && progress != nil {
			fmt.Fprintf(progress, "stage %s: %s\n", s.Name, line)
		}
	}
	if !rank0 {
		return nil, nil
	}
	if res.ToTarget, err = targets(r, out); err != nil {
		return nil, err
	}
	res.Finished, res.Seconds = time.Now().UTC(), time.Since(start).Seconds()
	if err := checkpoint.WriteJSON(filepath.Join(out, "results.json"), res); err != nil {
		return nil, err
	}
	plots, err := writePlots(r, out)
	if err != nil {
		return nil, err
	}
	return res, writeReport(r, res, out, r.Command(), plots)
}

// Command is the command line that reruns the recipe as it was loaded.
func (r *Recipe) Command() string {
	if r.command != "" {
		return r.command
	}
	return "colash recipe run " + r.path
}

// SetCommand records the command line that ran the recipe, for report.md.
func (r *Recipe) SetCommand(c string) { r.command = c }

// stage runs one stage unless an earlier run completed it. Under a launcher, rank 0 says whether
// it did (so that no rank skips a stage the others run), and runs a stage that is not
// data-parallel alone while the others wait.
func (e *env) stage(ctx context.Context, s Stage) (*StageResult, error) {
	s = s.withAbsolutePaths(e.r) // the stage reads what checkFiles found, whatever the working folder
	dir := e.dir(s.Name)
	done := filepath.Join(dir, "done.json")
	_, err := os.Stat(done)
	isDone, err := e.fromRank0(err == nil)
	if err != nil {
		return nil, err
	}
	if isDone {
		if e.progress != nil {
			fmt.Fprintf(e.progress, "stage %s: done in an earlier run\n", s.Name)
		}
		return readDone(done)
	}
	if k, _ := kindNamed(s.Kind); e.group == nil || e.group.Size() == 1 || k.parallel {
		if e.others != nil {
			fmt.Fprintf(e.others, "stage %s (%s): rank %d of %d\n", s.Name, s.Kind, e.group.Rank(), e.group.Size())
		}
		return e.runStage(ctx, s, dir, done)
	}
	var sr *StageResult
	err = e.group.WhileRoot(0, 30*time.Second, e.opt.WithDefaults().Device, func() (err error) {
		sr, err = e.runStage(ctx, s, dir, done)
		return err
	})
	if err != nil || sr != nil {
		return sr, err
	}
	return readDone(done) // a waiting rank: rank 0 wrote it
}

// fromRank0 is rank 0's value of v on every rank (v itself in one process).
func (e *env) fromRank0(v bool) (bool, error) {
	if e.group == nil || e.group.Size() == 1 {
		return v, nil
	}
	x := map[bool]int64{true: 1}[v]
	got, err := e.group.BroadcastInt64s([]int64{x}, 0, e.opt.WithDefaults().Device)
	if err != nil {
		return false, err
	}
	return got[0] == 1, nil
}

// readDone reads a completed stage's result.
func readDone(done string) (*StageResult, error) {
	b, err := os.ReadFile(done)
	if err != nil {
		return nil, err
	}
	var sr StageResult
	if err := json.Unmarshal(b, &sr); err != nil {
		return nil, fmt.Errorf("%s: %w", done, err)
	}
	sr.Seconds = 0
	return &sr, nil
}

// runStage runs the stage in dir; rank 0 records it as done.
func (e *env) runStage(ctx context.Context, s Stage, dir, done string) (*StageResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if e.progress != nil {
		fmt.Fprintf(e.progress, "stage %s (%s)\n", s.Name, s.Kind)
	}
	start := time.Now()
	k, _ := kindNamed(s.Kind)
	metrics, err := k.run(e, ctx, s, dir)
	if err != nil {
		return nil, err
	}
	sr := &StageResult{Stage: s.Name, Kind: s.Kind, Finished: time.Now().UTC(), Seconds: time.Since(start).Seconds(), Metrics: metrics}
	if e.group != nil && e.group.Rank() > 0 {
		return sr, nil
	}
	b, _ := json.MarshalIndent(sr, "", "  ")
	return sr, atomic.WriteFile(done, append(b, '\n'))
}
