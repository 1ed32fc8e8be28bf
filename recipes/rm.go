package recipes

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"colash/engine/rl"
	"colash/engine/rm"
	"colash/engine/run"
	"colash/engine/search"
	"colash/engine/search/qlearn"
)

// RMStage trains a reward model (engine/rm): the stage's model (a plain Llama) with a scalar head,
// on preference pairs, with held-out queries' pairs to measure its accuracy: one DSP domain's
// (data, domain), or an outcome reward model's (samples: answers the grader scored, right ones
// preferred to wrong ones of the same problem, with reference solutions as right answers too).
// The reward model is OUT/<stage>/model; an rl or search stage's reward_model = "@stage" uses it.
type RMStage struct {
	rm.Config
	Data       string  `toml:"data"`        // DSP: the JSON file (CC BY-NC 4.0, not shipped)
	Domain     string  `toml:"domain"`      // DSP: academy, business, entertainment or literature
	Samples    string  `toml:"samples"`     // outcome: scored answers, "@stage" of a qnet-collect stage or its JSONL
	References string  `toml:"references"`  // outcome: a task whose reference solutions are right answers too ("math"; "": none)
	PerProblem int     `toml:"per_problem"` // outcome: pairs a problem (0: one per wrong answer)
	HeldOut    float64 `toml:"held_out"`    // fraction of queries held out (their pairs measure accuracy)
	Limit      int     `toml:"limit"`       // first N training pairs, after shuffling (0: all)
	SaveEvery  int     `toml:"save_every"`  // checkpoint every N updates
}

func defaultRMStage() *RMStage {
	return &RMStage{Config: rm.DefaultConfig(), HeldOut: 0.1, SaveEvery: 10}
}

func (s *RMStage) validate(before map[string]string) error {
	switch {
	case (s.Data == "") == (s.Samples == ""):
		return fmt.Errorf("rm needs data (the DSP JSON file) or samples (an outcome reward model's scored answers), not both")
	case s.Samples != "":
		if err := refersTo(s.Samples, before, "samples", "qnet-collect"); err != nil {
			return err
		}
		if s.References != "" {
			if _, err := search.NewTask(s.References, rl.TaskOptions{}); err != nil {
				return fmt.Errorf("references: %w", err)
			}
		}
	default:
		if err := rm.CheckDomain(s.Domain); err != nil {
			return err
		}
	}
	if s.HeldOut < 0 || s.HeldOut >= 1 || s.Limit < 0 {
		return fmt.Errorf("rm: want 0 <= held_out < 1 and limit >= 0")
	}
	return s.Config.Validate()
}

// RMResult is an rm stage's result.
type RMResult = rm.Result

func (e *env) rm(ctx context.Context, s Stage, dir string) (any, error) {
	c := s.RM
	train, held, err := e.rmPairs(c)
	if err != nil {
		return nil, err
	}
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
	res, err := rm.RunTrainOn(ctx, nil, m, c.Config, train, held, rm.Run{Name: s.Name, Out: dir, Domain: c.Domain,
		SaveEvery: c.SaveEvery, Resume: run.Auto, Progress: e.progress})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rmPairs are the stage's training and held-out pairs.
func (e *env) rmPairs(c *RMStage) (train, held []rm.Pair, err error) {
	if c.Samples == "" {
		qs, err := rm.LoadDSP(e.dataPath(c.Data))
		if err != nil {
			return nil, nil, err
		}
		trainQ, heldQ := rm.SplitQueries(qs, c.HeldOut, c.Seed)
		return rm.DomainPairs(trainQ, c.Domain), rm.DomainPairs(heldQ, c.Domain), nil
	}
	samples, err := qlearn.ReadSamples(e.samplesPath(c.Samples))
	if err != nil {
		return nil, nil, err
	}
	refs := map[string]string{}
	if c.References != "" {
		tk, err := search.NewTask(c.References, rl.TaskOptions{})
		if err != nil {
			return nil, nil, err
		}
		for _, ex := range tk.Examples {
			refs[ex.Prompt] = ex.Meta["solution"]
		}
	}
	outs := make([]rm.Outcome, len(samples))
	for i, s := range samples {
		outs[i] = rm.Outcome{Problem: s.Prompt, Prompt: s.Prompt, Response: s.Completion, Reward: s.Reward}
	}
	trainO, heldO := rm.SplitOutcomes(outs, c.HeldOut, c.Seed)
	train, held = rm.OutcomePairs(trainO, refs, c.PerProblem), rm.OutcomePairs(heldO, refs, c.PerProblem)
	if len(train) == 0 {
		return nil, nil, fmt.Errorf("rm: the samples give no training pairs: no problem has both a right and a wrong answer (give references)")
	}
	return train, held, nil
}

// rmPath resolves a reward model reference: an earlier rm stage's model, or a folder (relative to
// the recipe file).
func (e *env) rmPath(ref string) string {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "model")
	}
	return e.dataPath(ref)
}
