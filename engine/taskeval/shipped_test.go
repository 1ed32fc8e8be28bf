package taskeval

import (
	"context"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/models"
)

// The shipped testbed models solve held-out countdown and arithmetic problems and household
// episodes in rooms of names never in training: a checkpoint that loads wrongly, a tokenizer off
// by one id or a world model that ignores its code scores 0 here, and so does a model that has
// not learnt to copy a room's names. The floors sit well below what each scored when shipped on
// these 40 problems or episodes of each task (seed 2, greedy tokens; the CoLA with greedy codes),
// given in the log.
func TestShippedTestbedSolvesProblems(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 40 problems of two tasks through each shipped testbed model")
	}
	for _, c := range []struct {
		model, task, level string
		floor              int
	}{
		{models.Testbed, "countdown", "cd3", 14}, {models.Testbed, "arith", "", 24}, {models.Testbed, "household", "", 6},
		{models.TestbedCoLA, "countdown", "cd3", 14}, {models.TestbedCoLA, "arith", "", 18}, {models.TestbedCoLA, "household", "", 6},
	} {
		t.Run(c.model+"/"+c.task, func(t *testing.T) {
			dir, err := models.Resolve(c.model)
			if err != nil {
				t.Fatal(err)
			}
			m, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Free()
			j := DefaultJob(c.task)
			j.Level, j.N, j.LatentTemperature = c.level, 40, 0
			_, s, err := j.Run(context.Background(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Correct < c.floor {
				t.Fatalf("%s solved %d of 40 held-out %s problems (household: unseen), want at least %d", c.model, s.Correct, c.task, c.floor)
			}
			t.Logf("%s: %d of 40 %s %s%s", c.model, s.Correct, c.task, c.level, j.Split)
		})
	}
}
