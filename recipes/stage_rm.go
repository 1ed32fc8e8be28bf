package recipes

import (
	"context"
	"fmt"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/rl"
	"colash/engine/rm"
	"colash/engine/search"
	"colash/engine/search/qlearn"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// RMJob trains a reward model (engine/rm): the stage's model (a plain Llama) with a scalar head,
// on preference pairs, with held-out queries' pairs to measure its accuracy: one DSP domain's
// (data, domain), or an outcome reward model's (samples: answers the grader scored, right ones
// preferred to wrong ones of the same problem, with reference solutions as right answers too).
// The reward model is OUT/<stage>/model; an rl or search stage's reward_model = "@stage" uses it.
type RMJob struct {
	rm.Config
	Data       string  `toml:"data" ref:"file" help:"DSP: the JSON file (CC BY-NC 4.0, not shipped; docs/rm.md)"`
	Domain     string  `toml:"domain" help:"DSP: the preferred style: academy, business, entertainment or literature"`
	Samples    string  `toml:"samples" ref:"samples" help:"outcome: scored answers, colash qnet collect's JSONL (in a recipe \"@stage\": a qnet-collect stage's)"`
	References string  `toml:"references" help:"outcome: a task whose reference solutions are right answers too (\"math\"; \"\": none)"`
	PerProblem int     `toml:"per_problem" help:"outcome: pairs a problem (0: one per wrong answer)"`
	HeldOut    float64 `toml:"held_out" help:"fraction of queries held out (their pairs measure accuracy)"`
	Limit      int     `toml:"limit" help:"first N training pairs, after shuffling (0: all)"`
	SaveEvery  int     `toml:"save_every" help:"checkpoint every N updates"`
}

var rmKind = kind{
	name:     "rm",
	blank:    func() Job { return NewRMJob() },
	run:      runJob,
	makes:    []job.Ref{job.RewardModelRef},
	parallel: true,
	curves:   []string{"loss", "acc", "held_out/acc"},
	reach: func(_ *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
		n := s.Job.(*RMJob).MaxLen
		return reach{fixed: n, what: fmt.Sprintf("max_len %d", n)}, true
	},
}

// NewRMJob is the defaults of `colash rm train` and a recipe's rm stage.
func NewRMJob() *RMJob {
	return &RMJob{Config: rm.DefaultConfig(), HeldOut: 0.1, SaveEvery: 10}
}

// Validate checks the settings before anything is loaded.
func (s *RMJob) Validate() error {
	switch {
	case (s.Data == "") == (s.Samples == ""):
		return fmt.Errorf("rm needs data (the DSP JSON file) or samples (an outcome reward model's scored answers), not both")
	case s.Samples != "":
		if s.References != "" {
			if _, err := search.TrainingTask(s.References, rl.TaskOptions{}); err != nil {
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

// Smoke trains one epoch of a few short pairs.
func (s *RMJob) Smoke() {
	s.Limit, s.Batch, s.MicroBatch = min(max(s.Limit, 8), 8), min(s.Batch, 4), min(max(s.MicroBatch, 4), 4)
	s.Epochs, s.MaxLen, s.SaveEvery, s.Warmup, s.EvalEvery = 1, min(s.MaxLen, 48), 1, 0, 0
}

// RMResult is an rm stage's result.
type RMResult = rm.Result

// Run trains env.Model's backbone with a fresh scalar head on the job's pairs, on every rank of
// env.Group: `colash rm train` and a recipe's rm stage. The reward model is OUT/model.
func (s *RMJob) Run(ctx context.Context, env *job.Env) (any, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	train, held, err := s.pairs(env)
	if err != nil {
		return nil, err
	}
	if s.Limit > 0 && s.Limit < len(train) {
		train = rm.Shuffled(train, s.Seed)[:s.Limit]
	}
	if env.Smoke {
		held = held[:min(len(held), 8)]
	}
	bb, err := checkpoint.Open(env.Model, env.Opt.ForTraining())
	if err != nil {
		return nil, err
	}
	m, err := rm.New(bb, s.MaxLen, s.Seed)
	if err != nil {
		bb.Free()
		return nil, err
	}
	defer m.Free()
	res, err := rm.RunTrainOn(ctx, env.Group, m, s.Config, train, held, rm.Run{Name: "rm", Out: env.Out, Domain: s.Domain,
		SaveEvery: s.SaveEvery, StopAt: env.StopAt, Resume: env.Resume, Progress: env.Progress})
	if err != nil || res == nil {
		return nil, err
	}
	env.Logf("held-out accuracy %.3f (untrained %.3f) on %d pairs; reward model in %s",
		res.HeldOutAcc, res.HeldOutAccInit, res.HeldOutPairs, filepath.Join(env.Out, "model"))
	return res, nil
}

// pairs are the job's training and held-out pairs.
func (s *RMJob) pairs(env *job.Env) (train, held []rm.Pair, err error) {
	if s.Samples == "" {
		data, err := env.Path(s.Data, job.FileRef)
		if err != nil {
			return nil, nil, err
		}
		qs, err := rm.LoadDSP(data)
		if err != nil {
			return nil, nil, err
		}
		trainQ, heldQ := rm.SplitQueries(qs, s.HeldOut, s.Seed)
		return rm.DomainPairs(trainQ, s.Domain), rm.DomainPairs(heldQ, s.Domain), nil
	}
	path, err := env.Path(s.Samples, job.SamplesRef)
	if err != nil {
		return nil, nil, err
	}
	samples, err := qlearn.ReadSamples(path)
	if err != nil {
		return nil, nil, err
	}
	refs := map[string]string{}
	if s.References != "" {
		tk, err := search.TrainingTask(s.References, rl.TaskOptions{})
		if err != nil {
			return nil, nil, err
		}
		for _, ex := range tk.Examples {
			refs[ex.Prompt] = ex.Meta["solution"]
		}
	}
	if err := search.CheckTrainingPrompts(qlearn.PromptsOf(samples)); err != nil {
		return nil, nil, fmt.Errorf("rm: %s: %w", path, err)
	}
	outs := make([]rm.Outcome, len(samples))
	for i, x := range samples {
		outs[i] = rm.Outcome{Problem: x.Prompt, Prompt: x.Prompt, Response: x.Completion, Reward: x.Reward}
	}
	trainO, heldO := rm.SplitOutcomes(outs, s.HeldOut, s.Seed)
	train, held = rm.OutcomePairs(trainO, refs, s.PerProblem), rm.OutcomePairs(heldO, refs, s.PerProblem)
	if len(train) == 0 {
		return nil, nil, fmt.Errorf("rm: the samples give no training pairs: no problem has both a right and a wrong answer (give references)")
	}
	return train, held, nil
}
