package taskeval

import (
	"context"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/models"
)

// The shipped testbed models solve held-out countdown problems: a checkpoint that loads wrongly,
// a tokenizer off by one id or a world model that ignores its code scores 0 here. The floors sit
// well below what each scored when shipped on these 40 problems (seed 2, greedy tokens; the CoLA
// with greedy codes): testbed 17 of 40, testbed-cola 15 of 40 (models/*/README.md).
func TestShippedTestbedSolvesCountdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 40 problems through each shipped testbed model")
	}
	for _, c := range []struct {
		model string
		floor int
	}{{models.Testbed, 12}, {models.TestbedCoLA, 10}} {
		t.Run(c.model, func(t *testing.T) {
			dir, err := models.Resolve(c.model)
			if err != nil {
				t.Fatal(err)
			}
			m, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Free()
			j := DefaultJob("countdown")
			j.Level, j.N, j.LatentTemperature = "cd3", 40, 0
			_, s, err := j.Run(context.Background(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Correct < c.floor {
				t.Fatalf("%s solved %d of 40 held-out cd3 problems, want at least %d", c.model, s.Correct, c.floor)
			}
			t.Logf("%s: %d of 40", c.model, s.Correct)
		})
	}
}
