package recipes

import (
	"context"
	"fmt"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
	"colash/engine/train"
	"colash/model/tokenizer"
)

// A train stage runs train.Job (`colash train STAGE`); the trained model is OUT/<stage>/model.
var trainKind = kind{
	name:  "train",
	blank: func() Job { return train.NewJob(train.StageIDM) },
	// The defaults depend on the stage the table names.
	decode: func(md toml.MetaData, p toml.Primitive) (Job, error) {
		return tableOf(md, p, func(s struct {
			Stage train.Stage `toml:"stage"`
		}) train.Stage {
			return s.Stage
		}, func(st train.Stage) (*train.Job, error) { return train.NewJob(st), nil })
	},
	run:      (*env).train,
	makes:    []job.Ref{job.ModelRef},
	parallel: true,
	curves:   []string{"loss", "ce", "acc", "alive"},
	reach: func(_ *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
		t := s.Job.(*train.Job)
		// lm's shape is its config, which colash train lm checks against seq
		return reach{fixed: t.Seq, what: fmt.Sprintf("seq %d", t.Seq)}, t.Stage != train.StageLM
	},
}

// train runs the stage's job (the model is OUT/<stage>/model); an lm stage starts from fresh weights unless it names a model to
// continue.
func (e *env) train(ctx context.Context, s Stage, dir string) (any, error) {
	t := s.Job.(*train.Job)
	env, err := e.jobEnv(s, dir, t.Stage != train.StageLM || s.Model != "")
	if err != nil {
		return nil, err
	}
	return t.Run(ctx, env)
}
