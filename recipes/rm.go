package recipes

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"colash/engine/rm"
	"colash/engine/run"
)

// RMStage trains a reward model (engine/rm): the stage's model (a plain Llama) with a scalar head,
// on one DSP domain's preference pairs, with held-out queries' pairs to measure its accuracy.
// The reward model is OUT/<stage>/model; an rl stage's reward_model = "@stage" uses it.
type RMStage struct {
	rm.Config
	Data      string  `toml:"data"`       // the DSP JSON file (CC BY-NC 4.0, not shipped)
	Domain    string  `toml:"domain"`     // academy, business, entertainment or literature
	HeldOut   float64 `toml:"held_out"`   // fraction of queries held out (their pairs measure accuracy)
	Limit     int     `toml:"limit"`      // first N training pairs, after shuffling (0: all)
	SaveEvery int     `toml:"save_every"` // checkpoint every N updates
}

func defaultRMStage() *RMStage {
	return &RMStage{Config: rm.DefaultConfig(), HeldOut: 0.1, SaveEvery: 10}
}

func (s *RMStage) validate() error {
	if s.Data == "" {
		return fmt.Errorf("rm needs data (the DSP JSON file)")
	}
	if err := rm.CheckDomain(s.Domain); err != nil {
		return err
	}
	if s.HeldOut < 0 || s.HeldOut >= 1 || s.Limit < 0 {
		return fmt.Errorf("rm: want 0 <= held_out < 1 and limit >= 0")
	}
	return s.Config.Validate()
}

// RMResult is an rm stage's result.
type RMResult struct {
	TrainPairs     int     `json:"train_pairs"`
	HeldOutPairs   int     `json:"held_out_pairs"`
	Updates        int     `json:"updates"`
	HeldOutAccInit float64 `json:"held_out_acc_init"` // the untrained head's
	HeldOutAcc     float64 `json:"held_out_acc"`
	HeldOutLoss    float64 `json:"held_out_loss"`
	TrainAcc       float64 `json:"train_acc"` // the last update's batch
}

func (e *env) rm(ctx context.Context, s Stage, dir string) (any, error) {
	c := s.RM
	qs, err := rm.LoadDSP(e.dataPath(c.Data))
	if err != nil {
		return nil, err
	}
	trainQ, heldQ := rm.SplitQueries(qs, c.HeldOut, c.Seed)
	train, held := rm.DomainPairs(trainQ, c.Domain), rm.DomainPairs(heldQ, c.Domain)
	if c.Limit > 0 && c.Limit < len(train) {
		train = rm.Shuffled(train, c.Seed)[:c.Limit]
	}
	if e.r.smoke {
		held = held[:min(len(held), 8)]
	}
	bb, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	m, err := rm.New(bb, c.MaxLen, c.Seed)
	if err != nil {
		bb.Free()
		return nil, err
	}
	defer m.Free()
	tr, err := rm.NewTrainer(m, c.Config, train, held)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	res := &RMResult{TrainPairs: len(train), HeldOutPairs: len(held), Updates: tr.Steps(), HeldOutAccInit: tr.HeldAcc0}
	o := run.Options{Name: s.Name, Steps: tr.Steps(), Out: dir, SaveEvery: c.SaveEvery, Resume: run.Auto, Progress: e.progress,
		Summary: func(m any) string {
			mt, _ := m.(map[string]any)
			return fmt.Sprintf("loss %.3f acc %.2f", mt["loss"], mt["acc"])
		}}
	if err := run.Loop(ctx, tr, o); err != nil {
		return nil, err
	}
	if res.HeldOutAcc, res.HeldOutLoss, err = m.Accuracy(held, c.MicroBatch); err != nil {
		return nil, err
	}
	if lines, err := run.ReadMetrics(filepath.Join(dir, "metrics.jsonl")); err == nil && len(lines) > 0 {
		res.TrainAcc, _ = lines[len(lines)-1]["acc"].(float64)
	}
	return res, m.Save(filepath.Join(dir, "model"), c.Domain)
}

// rmPath resolves a reward model reference: an earlier rm stage's model, or a folder (relative to
// the recipe file).
func (e *env) rmPath(ref string) string {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "model")
	}
	return e.dataPath(ref)
}

// withAbsoluteData is a copy of the recipe whose rm and rl data and reward-model paths, relative to
// the recipe file, are absolute: config.toml lives elsewhere and must load as it ran.
func (r *Recipe) withAbsoluteData() *Recipe {
	e := &env{r: r}
	abs := func(p string) string {
		if p == "" || strings.HasPrefix(p, "@") {
			return p
		}
		if a, err := filepath.Abs(e.dataPath(p)); err == nil {
			return a
		}
		return p
	}
	c := *r
	c.Stages = slices.Clone(r.Stages)
	for i, s := range c.Stages {
		if s.RM != nil {
			rs := *s.RM
			rs.Data = abs(rs.Data)
			c.Stages[i].RM = &rs
		}
		if s.RL != nil {
			j := *s.RL
			j.Data, j.RewardModel = abs(j.Data), abs(j.RewardModel)
			c.Stages[i].RL = &j
		}
	}
	return &c
}
