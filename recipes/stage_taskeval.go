package recipes

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"colash/engine/taskeval"
)

// A task-eval stage evaluates the stage's model on a testbed task (colash eval countdown|arith|
// household): OUT/<stage>/answers.jsonl and the summary as the stage's metrics.
var taskEvalKind = kind{
	name:  "task-eval",
	blank: func() Job { j := taskeval.DefaultJob("countdown"); return &j },
	// The defaults depend on the task the table names.
	decode: func(md toml.MetaData, p toml.Primitive) (Job, error) {
		return tableOf(md, p, func(s struct {
			Task string `toml:"task"`
		}) string {
			return s.Task
		}, func(task string) (*taskeval.Job, error) {
			j := taskeval.DefaultJob(task)
			return &j, nil
		})
	},
	run: (*env).taskEval,
}

func (e *env) taskEval(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	j := *s.Job.(*taskeval.Job)
	res, sum, err := j.Run(ctx, m, e.progress)
	if err != nil {
		return nil, err
	}
	if err := taskeval.WriteResults(filepath.Join(dir, "answers.jsonl"), res); err != nil {
		return nil, err
	}
	if e.progress != nil {
		fmt.Fprintf(e.progress, "%s %s: %s\n", j.Task, j.Level+j.Split, sum)
	}
	return sum, nil
}
