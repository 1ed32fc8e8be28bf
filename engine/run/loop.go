// Package run is the loop every long job runs in: training stages, RL, and whatever else steps
// towards a fixed number of steps. It owns what such jobs share, so that each job only says how
// to take one step and how to save and restore its state:
//
//   - metrics.jsonl: one JSON line per step, with "step" (the steps done after it);
//   - checkpoints every SaveEvery steps, at the end, at StopAt and on Ctrl-C, written atomically
//     (model/atomic) to Out/checkpoint, always at a step boundary: a step that Ctrl-C cuts short
//     is not saved (the checkpoint stays the last one written);
//   - resume: a checkpoint is loaded and metrics.jsonl cut back to it, so that a run killed at any
//     moment (kill -9 included) and resumed logs and computes what an uninterrupted one would;
//   - a progress bar on stderr (schollz/progressbar) with the job's own summary of each step;
//   - the start of a data-parallel job (Options.Group): rank 0 resumes, logs, shows progress and
//     saves; every rank starts at rank 0's step and the others write nothing;
//   - its stop: ranks agree at every step boundary whether any was interrupted (SIGTERM may reach
//     one rank alone, or each at another moment), and all stop at that boundary with rank 0's
//     checkpoint; a step, once begun, is finished on every rank.
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
	"colash/model/atomic"
)

// Job is resumable step-by-step work.
type Job interface {
	// Advance takes one step and returns its measurements (a JSON-encodable value: a map or a
	// struct). Cancelling ctx may stop it midway; then it returns ctx's error, and part of its
	// state may have moved on (a data cursor, some optimiser moments): the loop saves none of it.
	Advance(ctx context.Context) (any, error)
	// Done is the number of steps taken so far.
	Done() int
	// Save writes the job's whole state into dir, a fresh folder; Load restores it.
	Save(dir string) error
	Load(dir string) error
}

// Resume says what to do with an existing checkpoint.
type Resume string

const (
	Fresh    Resume = "no"   // start over: an existing checkpoint and log are replaced
	Auto     Resume = "auto" // continue from the checkpoint when there is one, else start
	Required Resume = "yes"  // continue from the checkpoint; none is an error
)

// Options configure a loop.
type Options struct {
	Name      string // the progress bar's label
	Steps     int    // the job's last step
	Out       string // folder of metrics.jsonl and checkpoint/ ("": neither, as for a script's run)
	SaveEvery int    // steps between checkpoints (0: only at the end, at StopAt and on interrupt)
	Resume    Resume
	StopAt    int       // stop after this step with a checkpoint (0: run to Steps)
	Progress  io.Writer // the progress bar's stream (nil: none)
	// Summary, when set, gives the few numbers the progress bar shows for a step's metrics.
	Summary func(metrics any) string
	// OnStep, when set, sees every step's metrics (after they are logged).
	OnStep func(step int, metrics any)
	// Group, of several ranks, makes this loop one rank of a data-parallel job, which must be a
	// Parallel: rank 0 reads and writes Out and shows progress, and every rank starts at the
	// step rank 0 resumes from, so that none waits for a step rank 0 will not take (a finished
	// run resumed). The job shares rank 0's state with the others at its first step.
	Group *dist.Group
}

// Parallel is a job that can run as one rank of a data-parallel group.
type Parallel interface {
	Job
	// StartAt sets the steps done before the first one this rank takes: rank 0's.
	StartAt(step int)
	// Device is where the job's tensors, and so the group's messages, live.
	Device() gotch.Device
}

// ErrInterrupted is returned when the context is cancelled. Between two steps a checkpoint is
// saved first; during a step the checkpoint stays the last one written.
var ErrInterrupted = errors.New("interrupted")

// CheckpointDir is where a loop with output folder out keeps its checkpoint.
func CheckpointDir(out string) string { return filepath.Join(out, "checkpoint") }

// Loop runs job until it has taken o.Steps steps (or o.StopAt), then saves a checkpoint.
func Loop(ctx context.Context, job Job, o Options) (err error) {
	many := o.Group != nil && o.Group.Size() > 1
	if many && o.Group.Rank() > 0 {
		o.Out, o.Progress, o.Resume = "", nil, Fresh // rank 0's state reaches this rank at the first step
	}
	log, saved, err := o.start(job)
	if err != nil {
		return err
	}
	if many {
		if err := startTogether(o.Group, job); err != nil {
			return err
		}
	}
	defer log.Close()
	bar := newBar(o.Progress, o.Name, o.Steps, job.Done())
	defer bar.finish()
	last := o.Steps
	if o.StopAt > 0 && o.StopAt < last {
		last = o.StopAt
	}
	stepCtx := ctx
	if many { // a step one rank cut short would leave the others waiting in its collectives
		stepCtx = context.WithoutCancel(ctx)
	}
	for job.Done() < last {
		if stop, err := o.stopping(ctx, job); err != nil {
			return err
		} else if stop {
			return o.interrupted(job, bar)
		}
		done := job.Done()
		m, err := job.Advance(stepCtx)
		if err != nil {
			if ctx.Err() != nil {
				return o.cutShort(done, saved, bar)
			}
			return fmt.Errorf("%s step %d: %w", o.Name, done+1, err)
		}
		if err := log.write(job.Done(), m); err != nil {
			return err
		}
		if o.OnStep != nil {
			o.OnStep(job.Done(), m)
		}
		summary := ""
		if o.Summary != nil {
			summary = o.Summary(m)
		}
		bar.set(job.Done(), summary)
		if o.SaveEvery > 0 && job.Done()%o.SaveEvery == 0 && job.Done() < last {
			if err := o.save(job); err != nil {
				return err
			}
			saved = job.Done()
		}
	}
	return o.save(job)
}

// stopping says whether the loop stops at this step boundary: the context is cancelled or, under
// a group, it is on some rank, so that every rank stops at the same step.
func (o Options) stopping(ctx context.Context, job Job) (bool, error) {
	stop := ctx.Err() != nil
	if o.Group == nil || o.Group.Size() == 1 {
		return stop, nil
	}
	v, err := o.Group.AllReduceFloat32s([]float32{map[bool]float32{true: 1}[stop]}, dist.Sum, job.(Parallel).Device())
	if err != nil {
		return false, fmt.Errorf("%s: agreeing whether to stop at step %d: %w", o.Name, job.Done(), err)
	}
	return v[0] > 0, nil
}

// startTogether gives every rank of g the step rank 0 starts from (after its resume).
func startTogether(g *dist.Group, job Job) error {
	p, ok := job.(Parallel)
	if !ok {
		return fmt.Errorf("run: a %T does not run data-parallel", job)
	}
	first, err := g.BroadcastInt64s([]int64{int64(job.Done())}, 0, p.Device())
	if err != nil {
		return fmt.Errorf("first step from rank 0: %w", err)
	}
	if g.Rank() > 0 {
		p.StartAt(int(first[0]))
	}
	return nil
}

// start resumes or starts the job and opens its log; saved is the step of the checkpoint on disk
// (-1: none).
func (o Options) start(job Job) (log *metricsLog, saved int, err error) {
	if o.Out == "" {
		return &metricsLog{}, -1, nil
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, -1, err
	}
	saved = -1
	dir, ok := atomic.Resolve(CheckpointDir(o.Out))
	switch {
	case o.Resume == Required && !ok:
		return nil, -1, fmt.Errorf("no checkpoint to resume in %s", CheckpointDir(o.Out))
	case ok && o.Resume != Fresh:
		if err := job.Load(dir); err != nil {
			return nil, -1, fmt.Errorf("resume %s: %w", dir, err)
		}
		saved = job.Done()
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%s: resumed %s at step %d\n", o.Name, dir, job.Done())
		}
	default:
		if err := os.RemoveAll(CheckpointDir(o.Out)); err != nil {
			return nil, -1, err
		}
		os.RemoveAll(CheckpointDir(o.Out) + ".old")
	}
	log, err = openLog(filepath.Join(o.Out, "metrics.jsonl"), job.Done())
	return log, saved, err
}

func (o Options) save(job Job) error {
	if o.Out == "" {
		return nil
	}
	if err := atomic.WriteDir(CheckpointDir(o.Out), job.Save); err != nil {
		return fmt.Errorf("%s: save checkpoint at step %d: %w", o.Name, job.Done(), err)
	}
	return nil
}

func (o Options) interrupted(job Job, bar *bar) error {
	bar.finish()
	if err := o.save(job); err != nil {
		return err
	}
	if o.Out == "" {
		return fmt.Errorf("%s: %w at step %d", o.Name, ErrInterrupted, job.Done())
	}
	return fmt.Errorf("%s: %w at step %d (checkpoint in %s; run again with resume to continue)",
		o.Name, ErrInterrupted, job.Done(), CheckpointDir(o.Out))
}

// cutShort is the error of a step (done+1) that cancelling stopped midway: the job's state may be
// partly that of the next step, so nothing is saved; the checkpoint on disk, of step saved (-1:
// none), is where a rerun resumes.
func (o Options) cutShort(done, saved int, bar *bar) error {
	bar.finish()
	switch {
	case o.Out == "":
		return fmt.Errorf("%s: %w during step %d", o.Name, ErrInterrupted, done+1)
	case saved < 0:
		return fmt.Errorf("%s: %w during step %d, before any checkpoint (a rerun starts over)", o.Name, ErrInterrupted, done+1)
	}
	return fmt.Errorf("%s: %w during step %d, which is not saved (checkpoint of step %d in %s; run again with resume to continue)",
		o.Name, ErrInterrupted, done+1, saved, CheckpointDir(o.Out))
}
