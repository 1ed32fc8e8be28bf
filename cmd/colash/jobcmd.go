package main

import (
	"flag"
	"fmt"
	"os"

	"colash/engine/job"
	"colash/models"
)

// jobArgs are the flags a command adds to a job's own (engine/job): where the model comes from
// and where the job writes. A recipe stage gets the same from the recipe and its folder.
type jobArgs struct {
	mf     modelFlags
	out    string
	resume bool
	stopAt int
}

// flags is the command's flag set: the model's (--tokenizer only where the job has none of its
// own), every setting of j under its recipe key, --out, --resume and --stop-at.
func (a *jobArgs) flags(name string, j job.Job) *flag.FlagSet {
	fs := newFlags(name)
	a.mf.registerModel(fs)
	job.Flags(fs, j)
	if fs.Lookup("tokenizer") == nil {
		fs.StringVar(&a.mf.tokenizer, "tokenizer", "", "tokenizer file (default: the one beside the model)")
	}
	fs.StringVar(&a.out, "out", "", "output folder (required)")
	fs.BoolVar(&a.resume, "resume", false, "continue from OUT/checkpoint")
	fs.IntVar(&a.stopAt, "stop-at", 0, "stop after this update with a checkpoint (continue later with --resume; 0: run to the end)")
	return fs
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
	env := &job.Env{Out: a.out, Resume: resumeMode(a.resume), StopAt: a.stopAt, Progress: os.Stderr, Resolve: resolveCLI}
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
	ctx, g, done, err := joinJob()
	if err != nil {
		return err
	}
	defer done()
	env.Group = g
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
