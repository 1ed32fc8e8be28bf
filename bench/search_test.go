package bench

import (
	"context"
	"testing"
)

// checkFigures fails on a figure that is not a positive number.
func checkFigures(t *testing.T, res []Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no figures")
	}
	for _, r := range res {
		t.Logf("%-45s %8.4g %-5s %s", r.Name, r.Value, r.Unit, r.Note)
		if !(r.Value > 0) {
			t.Errorf("%s: %g", r.Name, r.Value)
		}
	}
}

// The search throughput figures, on two problems and small searches.
func TestSearchThroughputReportsItsFigures(t *testing.T) {
	cfg := searchConfig()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.D, cfg.ExtendMax = 2, 12, 12, 12, 4
	res, err := searchThroughput(context.Background(), 2, cfg)
	checkFigures(t, res, err)
	if len(res) != 12 {
		t.Errorf("%d figures, want 6 for each of mcts and mcts-q", len(res))
	}
}

// The RL step's figures, on a small step.
func TestRLThroughputReportsItsFigures(t *testing.T) {
	cfg := rlConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.MiniBatches = 2, 2, 12, 2
	res, err := rlThroughput(context.Background(), cfg, 1)
	checkFigures(t, res, err)
}

// The micro-batch comparison's figures, on a small step; the loss is the same either way.
func TestRLMicroBatchesReportsItsFigures(t *testing.T) {
	cfg := rlConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.MiniBatches = 4, 4, 12, 1
	res, err := rlMicroBatches(context.Background(), "cd4", cfg)
	checkFigures(t, res, err)
	if len(res) != 6 {
		t.Errorf("%d figures, want 3 for each of the reference pass and the update", len(res))
	}
}
