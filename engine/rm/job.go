package rm

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"colash/engine/dist"
	"colash/engine/run"
)

// Result is what a training run measures (recipes' rm stages report it).
type Result struct {
	TrainPairs     int     `json:"train_pairs"`
	HeldOutPairs   int     `json:"held_out_pairs"`
	Updates        int     `json:"updates"`
	HeldOutAccInit float64 `json:"held_out_acc_init"` // the untrained head's
	HeldOutAcc     float64 `json:"held_out_acc"`
	HeldOutLoss    float64 `json:"held_out_loss"`
	TrainAcc       float64 `json:"train_acc"` // the last update's batch
}

// Run says where and how a training run logs and saves.
type Run struct {
	Name      string // the run's name in progress lines
	Out       string // metrics.jsonl, checkpoint/ and model/
	Domain    string // what the saved model records as its domain
	SaveEvery int    // checkpoint every N updates
	StopAt    int    // stop after this update with a checkpoint (0: run to the end)
	Resume    run.Resume
	Progress  io.Writer // nil: none
}

// RunTrainOn trains m on train, measuring it on held, as one rank of g (nil: one process;
// parallel.go). Rank 0 alone logs, checkpoints and writes the model to Out/model and returns the
// result; the other ranks take the same updates and return nil.
func RunTrainOn(ctx context.Context, g *dist.Group, m *Model, cfg Config, train, held []Pair, o Run) (*Result, error) {
	tr, err := NewTrainer(m, cfg, train, held)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	if err := tr.SetGroup(g); err != nil {
		return nil, err
	}
	res := &Result{TrainPairs: len(train), HeldOutPairs: len(held), Updates: tr.Steps(), HeldOutAccInit: tr.HeldAcc0}
	lo := run.Options{Name: o.Name, Steps: tr.Steps(), Out: o.Out, SaveEvery: o.SaveEvery, StopAt: o.StopAt, Resume: o.Resume, Progress: o.Progress,
		Summary: func(m any) string {
			mt, _ := m.(map[string]any)
			return fmt.Sprintf("loss %.3f acc %.2f", mt["loss"], mt["acc"])
		}}
	rank0 := !tr.many() || g.Rank() == 0
	if tr.many() {
		lo.Group = g // rank 0 alone reads and writes o.Out
	}
	if err := run.Loop(ctx, tr, lo); err != nil {
		return nil, err
	}
	if err := tr.sync(); err != nil {
		return nil, err
	}
	if res.HeldOutAcc, res.HeldOutLoss, err = tr.heldOut(cfg.MicroBatch); err != nil || !rank0 {
		return nil, err
	}
	if lines, err := run.ReadMetrics(filepath.Join(o.Out, "metrics.jsonl")); err == nil && len(lines) > 0 {
		res.TrainAcc, _ = lines[len(lines)-1]["acc"].(float64)
	}
	return res, m.Save(filepath.Join(o.Out, "model"), o.Domain)
}
