package search

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"colash/engine/rl"
	"colash/engine/rm"
	"colash/model/checkpoint"
	"colash/model/qnet"
)

// Job is one search evaluation as `colash search`, `colash eval math500 --search` and recipes'
// search stages describe it: methods on a task's first N problems at one forward-token budget,
// scored by the task's reward or guided by a reward model.
type Job struct {
	Config               // the search constants (cpuct, b1, ...) over the Preset's
	Preset      string   `toml:"config" help:"search constants: math500 (the paper's call) or code-default; the other constants' defaults are its"`
	Task        string   `toml:"task" help:"task: story-target, story-pair, math500 or an RL task (colash rl --help)"`
	Words       []string `toml:"words" help:"story tasks: comma-separated target words"`
	Methods     []string `toml:"methods" help:"comma-separated: greedy, best-of-n, mcts, mcts-q, each on the same problems"`
	N           int      `toml:"n" help:"the first N problems"`
	Samples     int      `toml:"samples" help:"best-of-n without a budget: samples"`
	QNet        string   `toml:"qnet" ref:"qnet" help:"the Q-network folder mcts-q needs"`
	RewardModel string   `toml:"reward_model" ref:"reward-model" help:"a reward model that scores rollouts (math: the non-oracle scorer)"`
	Oracle      bool     `toml:"oracle" help:"math: let the grader against the gold answer score rollouts"`
	Success     float64  `toml:"success" help:"an answer succeeds when the task's reward reaches this"`
	Seed        uint64   `toml:"seed" help:"seed of code sampling"`
	NoReuse     bool     `toml:"no_reuse" help:"recompute every prefix (to measure prefix reuse)"`
}

// DefaultJob is the paper's Math500 search constants on the story-target task.
func DefaultJob() Job {
	return Job{Config: Math500(), Preset: "math500", Task: "story-target", Methods: []string{"mcts-q"},
		N: 100, Samples: 8, Success: 1}
}

// JobWithPreset is DefaultJob with another preset's constants.
func JobWithPreset(preset string) (Job, error) {
	j := DefaultJob()
	c, err := Named(preset)
	j.Config, j.Preset = c, preset
	return j, err
}

// goldScored says whether the task's reward reads the gold answer (a grader against it): using
// it to score rollouts is an oracle.
func goldScored(t rl.Task) bool {
	_, ok := t.Reward.(rl.MathAnswer)
	return ok
}

// Smoke shrinks the evaluation to two problems and tiny searches (a recipe's --smoke).
func (j *Job) Smoke() {
	j.N, j.Samples, j.T, j.D = min(j.N, 2), min(j.Samples, 2), min(j.T, 2), min(j.D, 8)
	j.SimTokens, j.ExtendMax, j.CompleteTokens, j.Restarts = min(j.SimTokens, 8), min(j.ExtendMax, 4), min(j.CompleteTokens, 8), min(j.Restarts, 1)
	if j.Budget > 0 {
		j.Budget = min(j.Budget, 400)
	}
}

// Validate checks what can be checked before a model is loaded.
func (j Job) Validate() error {
	_, err := j.checked()
	return err
}

// checked is the job's task, once every key is checked.
func (j Job) checked() (rl.Task, error) {
	if err := j.Config.Validate(); err != nil {
		return rl.Task{}, err
	}
	if len(j.Methods) == 0 {
		return rl.Task{}, fmt.Errorf("search: no methods (have %s)", strings.Join(Methods, ", "))
	}
	for _, m := range j.Methods {
		if !slices.Contains(Methods, m) {
			return rl.Task{}, fmt.Errorf("search: unknown method %q (have %s)", m, strings.Join(Methods, ", "))
		}
	}
	switch {
	case j.N <= 0:
		return rl.Task{}, fmt.Errorf("search: n %d: want at least one problem", j.N)
	case slices.Contains(j.Methods, "mcts-q") && j.QNet == "":
		return rl.Task{}, fmt.Errorf("search: mcts-q needs a Q-network: --qnet DIR, or qnet in a recipe (colash qnet train writes one)")
	case j.Oracle && j.RewardModel != "":
		return rl.Task{}, fmt.Errorf("search: oracle and reward_model exclude each other: one scorer guides the search")
	}
	tk, err := NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.N})
	if err != nil {
		return rl.Task{}, err
	}
	if goldScored(tk) && !j.Oracle && j.RewardModel == "" {
		return rl.Task{}, fmt.Errorf("search: task %s scores answers with the grader against the gold answer, an oracle: "+
			"give a reward model (reward_model, --reward-model; a recipe's rm stage trains one on MATH train "+
			"samples) or set oracle to run it anyway (figures are labelled oracle)", j.Task)
	}
	return tk, nil
}

// RunJob evaluates each of the job's methods with the CoLA m on the same problems.
func RunJob(ctx context.Context, m *checkpoint.Model, j Job, progress io.Writer) ([]*Results, error) {
	tk, err := j.checked()
	if err != nil {
		return nil, err
	}
	if m.CoLA == nil {
		return nil, fmt.Errorf("search: %s is not a CoLA model: search works over latent codes", m.Path)
	}
	var q *qnet.QNet
	if slices.Contains(j.Methods, "mcts-q") {
		if q, err = LoadQNet(j.QNet, m); err != nil {
			return nil, err
		}
		defer q.Free()
	}
	sc := Scoring{N: j.N, Success: j.Success}
	if j.RewardModel != "" {
		r, _, err := rm.Load(j.RewardModel, checkpoint.Options{Device: m.Device(), DType: m.DType()})
		if err != nil {
			return nil, err
		}
		defer r.Free()
		sc.Guide = &rl.ModelReward{M: r, Batch: 64}
	}
	var all []*Results
	for _, meth := range j.Methods {
		cm := &CoLA{M: m.CoLA, TopK: j.TopK, Reuse: !j.NoReuse, Stops: m.Tok.StopTokens()}
		if meth == "mcts-q" {
			cm.Q = q
		}
		o := Options{Method: meth, Config: j.Config, Budget: j.Budget, N: j.Samples, Seed: j.Seed}
		res, err := Evaluate(ctx, cm, m.Tok, tk, o, sc, progress)
		if err != nil {
			return nil, err
		}
		if OracleScored(tk) && j.RewardModel == "" { // math got here only with oracle set (checked)
			res.Scorer, res.Oracle = "oracle", true
		}
		all = append(all, res)
	}
	return all, nil
}

// LoadQNet loads a Q-network on m's device and dtype and checks that it fits m's codes and
// vocabulary.
func LoadQNet(dir string, m *checkpoint.Model) (*qnet.QNet, error) {
	q, err := qnet.Load(dir, checkpoint.Options{Device: m.Device(), DType: m.DType()})
	if err != nil {
		return nil, err
	}
	if q.Codes != m.CoLA.Config.NumCode || q.Config.Vocab != m.CoLA.Config.Vocab {
		q.Free()
		return nil, fmt.Errorf("Q-network %s has %d codes and vocabulary %d; the model %d and %d", dir, q.Codes, q.Config.Vocab, m.CoLA.Config.NumCode, m.CoLA.Config.Vocab)
	}
	return q, nil
}

// Table formats results as the table `colash search` prints, oracle figures labelled.
func Table(rs []*Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %5s %22s %8s %12s %9s\n", "method", "n", "success [95% CI]", "reward", "fwd tok/prob", "nodes/s")
	for _, r := range rs {
		name := r.Method
		if r.Oracle {
			name += " (oracle)"
		}
		fmt.Fprintf(&b, "%-10s %5d %6.3f [%.3f, %.3f] %8.3f %12.0f %9.1f\n", name, r.N, r.SuccessRate, r.CI95[0], r.CI95[1], r.MeanReward, r.ForwardPerProblem, r.NodesPerSecond)
	}
	return b.String()
}
