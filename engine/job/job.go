// Package job is the one description of a long job that both a command and a recipe stage run:
// a struct whose fields carry a `toml` tag (the recipe key), a `help` tag (the flag's usage) and
// whose zero-argument constructor gives the defaults. From the struct come the command's flags
// (Flags: the key with '-' for '_', so every recipe key is a flag of the same name) and a
// recipe stage's table; its Run takes an Env that says where the job reads and writes, so the
// setup a job needs is written once, in its engine package.
package job

import (
	"context"
	"fmt"
	"io"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/model/checkpoint"
)

// Job is a long job's settings and its run.
type Job interface {
	// Validate checks the settings before anything is loaded.
	Validate() error
	// Run does the job in env and returns what a recipe's results file keeps of it.
	Run(ctx context.Context, env *Env) (any, error)
}

// Env is where a job runs: its model, how its references resolve, where it writes, whether it
// continues, its data-parallel group and where progress goes. A command fills it from its flags,
// a recipe from the recipe and the stage's folder.
type Env struct {
	Model    string             // the job's model, resolved ("": none given)
	Opt      checkpoint.Options // where tensors live and their dtype
	Out      string             // the job's output folder: metrics, checkpoint, results
	SaveTo   string             // where a job that trains a model writes it ("": Out)
	Resume   run.Resume         // Fresh, Required (--resume) or Auto (recipes)
	StopAt   int                // stop after this update with a checkpoint (0: run to the end)
	Group    *dist.Group        // nil: one process
	Progress io.Writer          // nil: quiet
	Smoke    bool               // a recipe's --smoke: measure less too

	// Resolve turns a reference in the job's settings into a path ("" stays ""). A command
	// resolves a shipped model's name; a recipe also resolves "@stage", an earlier stage's output.
	Resolve func(ref string, what Ref) (string, error)
}

// Ref is what a reference in a job's settings names. A job's struct says it of each such field
// with a `ref` tag holding the Ref (`ref:"data"`), so that a recipe checks "@stage" references
// and makes paths absolute from the struct alone.
type Ref string

const (
	DataRef        Ref = "data"         // a data file (a recipe's "@stage": a sample or corpus stage's data.jsonl)
	TokenizerRef   Ref = "tokenizer"    // a tokenizer file (a recipe's "@stage": a corpus stage's tokenizer.json)
	SamplesRef     Ref = "samples"      // scored samples (a recipe's "@stage": a qnet-collect stage's samples.jsonl)
	ModelRef       Ref = "model"        // a model folder or a shipped model's name (a recipe's "@stage": its model/)
	RewardModelRef Ref = "reward-model" // a reward model folder (a recipe's "@stage": an rm stage's model/)
	QNetRef        Ref = "qnet"         // a Q-network folder (a recipe's "@stage": a qnet-train stage's model/)
	FileRef        Ref = "file"         // a file of the user's, never an earlier stage's output
)

// IsModel says whether the reference names a model folder (which may also be a shipped name).
func (r Ref) IsModel() bool { return r == ModelRef || r == RewardModelRef || r == QNetRef }

// ModelOut is the folder a trained model is written to.
func (e *Env) ModelOut() string {
	if e.SaveTo != "" {
		return e.SaveTo
	}
	return e.Out
}

// Path resolves ref with env.Resolve; without a resolver, ref is a path already.
func (e *Env) Path(ref string, what Ref) (string, error) {
	if ref == "" || e.Resolve == nil {
		return ref, nil
	}
	return e.Resolve(ref, what)
}

// Logf writes a progress line.
func (e *Env) Logf(format string, args ...any) {
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, format+"\n", args...)
	}
}

// Stopped says whether a job of steps updates stops early at StopAt. A stopped job writes its
// model of that update as a finished one does, so that it can be evaluated, and returns no
// result: a recipe stage is not done until a resumed run finishes it.
func (e *Env) Stopped(steps int) bool { return e.StopAt > 0 && e.StopAt < steps }

// Rank0 says whether this process writes the job's files: the only one, or rank 0 of a group.
func (e *Env) Rank0() bool { return e.Group == nil || e.Group.Rank() == 0 }
