package recipes

import (
	"context"
	"fmt"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/rl"
	"colash/engine/search"
	"colash/engine/search/qlearn"
	"colash/model/tokenizer"
)

// The Q-network's stages (docs/paper.md, "The Q-network"): qnet-collect samples scored answers
// with their codes (OUT/<stage>/samples.jsonl), qnet-train fits the Q-network to them
// (OUT/<stage>/model, metrics and checkpoints beside it).

var qnetCollectKind = kind{
	name:  "qnet-collect",
	blank: func() Job { j := qlearn.DefaultCollect(); return &j },
	run: func(e *env, ctx context.Context, s Stage, dir string) (any, error) {
		m, err := e.open(s.Model)
		if err != nil {
			return nil, err
		}
		defer m.Free()
		return qlearn.RunCollect(ctx, m, *s.Job.(*qlearn.CollectJob), filepath.Join(dir, outputFile[job.SamplesRef]), e.progress)
	},
	makes: []job.Ref{job.SamplesRef},
	reach: func(_ *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
		j := s.Job.(*qlearn.CollectJob)
		t, err := search.NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.Problems})
		return reach{prompts: examplePrompts(t.Examples), plus: j.MaxTokens, what: fmt.Sprintf("max_tokens %d", j.MaxTokens)}, err == nil
	},
}

var qnetTrainKind = kind{
	name:     "qnet-train",
	blank:    func() Job { j := qlearn.DefaultTrain(); return &j },
	run:      runJob,
	makes:    []job.Ref{job.QNetRef},
	parallel: true,
	curves:   []string{"loss", "q_taken_mean"},
}
