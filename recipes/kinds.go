package recipes

import (
	"context"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
	"colash/model/tokenizer"
)

// A kind of stage is a job struct (its [stage.KIND] table: keys, defaults, checks, the --smoke
// shrink) and how a recipe runs it. kinds lists every kind once; each kind's code is its own
// stage_*.go file, so a new kind is that file and its line here.
var kinds = []kind{
	sampleKind, trainKind, rlKind, reportKind, evalKind, rmKind,
	qnetCollectKind, qnetTrainKind, searchKind, corpusKind, taskEvalKind,
}

// Job is what a stage's table decodes into. Its string fields with a `ref` tag (job.Ref) name
// files, models or earlier stages' outputs ("@stage"): a recipe checks and resolves them from the
// tags alone.
type Job interface {
	Validate() error // the settings, before anything is loaded
	Smoke()          // shrink to seconds of work, keeping the stage's shape (--smoke)
}

type kind struct {
	name string
	// blank is the table's defaults, before the recipe's keys; decode, when set, reads the table
	// over defaults that depend on one of its keys (train's stage, task-eval's task, search's config).
	blank  func() Job
	decode func(md toml.MetaData, p toml.Primitive) (Job, error)
	run    func(e *env, ctx context.Context, s Stage, dir string) (any, error)
	makes  []job.Ref // what its folder holds that later stages name by "@stage"
	// parallel: every rank of a launched recipe runs it together (the others: rank 0 alone).
	parallel bool
	curves   []string // metrics.jsonl keys plotted, the first also as the stage's sparkline
	// reach is how long the stage's sequences get, for CheckLengths (nil: not checked).
	reach func(e *env, s Stage, tok tokenizer.Tokenizer) (reach, bool)
}

// Kinds are the names of the stage kinds, in the order docs list them.
var Kinds = kindNames()

func kindNames() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, k.name)
	}
	return out
}

// kindNamed is the kind called name.
func kindNamed(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// read decodes the kind's table over its defaults.
func (k kind) read(md toml.MetaData, p toml.Primitive) (Job, error) {
	if k.decode != nil {
		return k.decode(md, p)
	}
	j := k.blank()
	return j, md.PrimitiveDecode(p, j)
}

// tableOf decodes a table over the defaults that new gives for its selector (read from the table
// first into S).
func tableOf[S, K any, J Job](md toml.MetaData, p toml.Primitive, key func(S) K, new func(K) (J, error)) (Job, error) {
	var sel S
	if err := md.PrimitiveDecode(p, &sel); err != nil {
		return nil, err
	}
	j, err := new(key(sel))
	if err != nil {
		return nil, err
	}
	return j, md.PrimitiveDecode(p, j)
}

// kindsMaking are the kinds whose folders hold what ref names.
func kindsMaking(ref job.Ref) []string {
	var out []string
	for _, k := range kinds {
		for _, m := range k.makes {
			if m == ref {
				out = append(out, k.name)
			}
		}
	}
	return out
}

// outputFile is where a stage leaves each of its outputs, in its folder.
var outputFile = map[job.Ref]string{
	job.DataRef: "data.jsonl", job.TokenizerRef: "tokenizer.json", job.SamplesRef: "samples.jsonl",
	job.ModelRef: "model", job.RewardModelRef: "model", job.QNetRef: "model",
}
