package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"colash/engine/dist"
	"colash/engine/job"
	"colash/engine/run"
	"colash/models"
)

// jobArgs are the flags a command adds to a job's own (engine/job): where the model comes from
// and where the job writes. A recipe stage gets the same from the recipe and its folder.
type jobArgs struct {
	mf          modelFlags
	out         string
	resume      resumeFlag
	stopAt      int
	distTimeout time.Duration
}

// flags is the command's flag set: the model's (--tokenizer only where the job has none of its
// own), every setting of j under its recipe key, --out, --resume, --stop-at and --dist-timeout.
func (a *jobArgs) flags(name string, j job.Job) *flag.FlagSet {
	fs := newFlags(name)
	a.mf.registerModel(fs)
	job.Flags(fs, j)
	if fs.Lookup("tokenizer") == nil {
		fs.StringVar(&a.mf.tokenizer, "tokenizer", "", "tokenizer file (default: the one beside the model)")
	}
	fs.StringVar(&a.out, "out", "", "output folder (required)")
	a.resume.register(fs)
	fs.IntVar(&a.stopAt, "stop-at", 0, "stop after this update with a checkpoint (continue later with --resume; 0: run to the end)")
	fs.DurationVar(&a.distTimeout, "dist-timeout", 0, "under a launcher: how long a collective waits for the other ranks, e.g. 90s or 30m (0: $COLASH_DIST_TIMEOUT, else 10m)")
	return fs
}

// setDistTimeout makes --dist-timeout the group's, as COLASH_DIST_TIMEOUT (dist.ReadEnv) says it.
func (a *jobArgs) setDistTimeout() error {
	if a.distTimeout <= 0 {
		return nil
	}
	return os.Setenv("COLASH_DIST_TIMEOUT", a.distTimeout.String())
}

// resumeFlag is --resume: alone (or =true) the job continues from OUT/checkpoint and fails
// without one; =auto it continues when there is one and starts afresh otherwise, the one command
// line for a first start and a restart (a Kubernetes pod's); unset ("") or =false it starts over.
type resumeFlag run.Resume

func (r *resumeFlag) register(fs *flag.FlagSet) {
	fs.Var(r, "resume", "continue from OUT/checkpoint; --resume=auto: when there is one, else start afresh "+
		"(a job restarted by torchrun --max_restarts does so without the flag)")
}

func (r *resumeFlag) IsBoolFlag() bool { return true } // --resume alone is --resume=true

func (r *resumeFlag) String() string {
	if r == nil || *r == "" || run.Resume(*r) == run.Fresh {
		return "false"
	}
	if run.Resume(*r) == run.Auto {
		return "auto"
	}
	return "true"
}

func (r *resumeFlag) Set(s string) error {
	if s == string(run.Auto) {
		*r = resumeFlag(run.Auto)
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want --resume, --resume=auto or --resume=false")
	}
	*r = resumeFlag(run.Fresh)
	if b {
		*r = resumeFlag(run.Required)
	}
	return nil
}

// mode is the run loop's resume mode for this process of g's job. A job that torchrun restarted
// (--max_restarts) resumes from its checkpoint when there is one, as --resume=auto, instead of
// deleting it and starting over.
func (r resumeFlag) mode(g *dist.Group) run.Resume {
	switch {
	case r != "" && run.Resume(r) != run.Fresh:
		return run.Resume(r)
	case g.Restart() > 0:
		return run.Auto
	}
	return run.Fresh
}

// withoutModel is what a job does without --model.
type withoutModel int

const (
	modelRequired withoutModel = iota
	modelDefault               // the shipped default model
	modelNone                  // none (train lm: fresh weights)
)

// run validates j and runs it in the environment the flags describe; under colash launch or
// torchrun the process is one rank of a data-parallel job.
func (a *jobArgs) run(name string, j job.Job, rule withoutModel) error {
	switch {
	case rule == modelRequired && (a.out == "" || a.mf.path == ""):
		return fmt.Errorf("--model and --out are required (colash %s -h)", name)
	case a.out == "":
		return fmt.Errorf("--out is required (colash %s -h)", name)
	}
	if err := j.Validate(); err != nil {
		return err
	}
	env := &job.Env{Out: a.out, StopAt: a.stopAt, Progress: os.Stderr, Resolve: resolveCLI}
	model, opt, err := a.mf.options()
	if err != nil {
		return err
	}
	if a.mf.path != "" || rule != modelNone {
		env.Model = model
	}
	env.Opt = opt
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return err
	}
	if err := a.setDistTimeout(); err != nil {
		return err
	}
	ctx, g, done, err := joinJob()
	if err != nil {
		return err
	}
	defer done()
	env.Group, env.Resume = g, a.resume.mode(g)
	_, err = j.Run(ctx, env)
	return err
}

// resolveCLI resolves a job's references on the command line: a model may be a shipped one's
// name; everything else is a path already.
func resolveCLI(ref string, what job.Ref) (string, error) {
	if what.IsModel() {
		return models.Resolve(ref)
	}
	return ref, nil
}
