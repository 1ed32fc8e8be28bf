package recipes

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
	"colash/engine/rl"
	"colash/engine/search"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// A search stage evaluates search methods (docs/paper.md, "MCTS-Q"); OUT/<stage>/results.json
// holds every method's results with their records, and the stage's result is the figures
// without the records.
var searchKind = kind{
	name:  "search",
	blank: func() Job { j := search.DefaultJob(); return &j },
	// The defaults are those of the preset the table names (config).
	decode: func(md toml.MetaData, p toml.Primitive) (Job, error) {
		return tableOf(md, p, func(s struct {
			Preset string `toml:"config"`
		}) string {
			return cmp.Or(s.Preset, "math500")
		}, func(preset string) (*search.Job, error) {
			j, err := search.JobWithPreset(preset)
			return &j, err
		})
	},
	run:   (*env).search,
	reach: searchReach,
}

// searchReach is the longest prompt plus the deepest search's tokens.
func searchReach(_ *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
	j := s.Job.(*search.Job)
	t, err := search.NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.N})
	if err != nil {
		return reach{}, false
	}
	rc := reach{prompts: examplePrompts(t.Examples), plus: j.D + j.SimTokens,
		what: fmt.Sprintf("at least depth %d + a rollout of sim_tokens %d", j.D, j.SimTokens)}
	if j.AnswerTokens > 0 {
		rc.plus, rc.what = j.AnswerTokens, fmt.Sprintf("answer_tokens %d", j.AnswerTokens)
	}
	return rc, true
}

func (e *env) search(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	j := *s.Job.(*search.Job)
	if j.QNet, err = e.resolve(j.QNet, job.QNetRef); err != nil {
		return nil, err
	}
	if j.RewardModel, err = e.resolve(j.RewardModel, job.RewardModelRef); err != nil {
		return nil, err
	}
	all, err := search.RunJob(ctx, m, j, e.progress)
	if err != nil {
		return nil, err
	}
	if err := checkpoint.WriteJSON(filepath.Join(dir, "results.json"), all); err != nil {
		return nil, err
	}
	figures := map[string]search.Results{}
	for _, r := range all {
		f := *r
		f.Records = nil
		figures[r.Method] = f
	}
	return figures, nil
}
