package rl

import (
	"fmt"
	"sync"

	"colash/engine/rm"
	"colash/model/checkpoint"
)

// The dsp task: the paper's preference RL (docs/paper.md, "DSP: preference RL"). The prompts are the DSP
// queries; the reward is a reward model's score of (prompt, completion), one trained on the
// chosen domain's preferences (engine/rm, a recipe's rm stage).

// dspTask is the DSP queries as a task without a reward (RunJob attaches the reward model).
func dspTask(o TaskOptions) (Task, error) {
	if err := rm.CheckDomain(o.Domain); err != nil {
		return Task{}, err
	}
	qs, err := rm.LoadDSP(o.Data)
	if err != nil {
		return Task{}, err
	}
	exs := make([]Example, len(qs))
	for i, q := range qs {
		exs[i] = Example{Prompt: q.Prompt(), Meta: map[string]string{"domain": o.Domain}}
	}
	return Task{Name: "dsp-" + o.Domain, Examples: exs}, nil
}

// validateDSP checks a dsp job's keys without reading its files (a recipe checks they exist).
func (j Job) validateDSP() error {
	if err := rm.CheckDomain(j.Domain); err != nil {
		return err
	}
	if j.Data == "" || j.RewardModel == "" {
		return fmt.Errorf("rl: task dsp needs data (the DSP JSON file) and reward_model (a reward model folder)")
	}
	return nil
}

// task builds the job's task; with reward_model set, the reward model (loaded on m's device and
// dtype) is its reward, and close frees it.
func (j Job) task(m *checkpoint.Model) (tk Task, close func(), err error) {
	if j.Task == "dsp" {
		if err := j.validateDSP(); err != nil {
			return Task{}, nil, err
		}
	}
	if tk, err = NewTask(j.Task, j.taskOptions()); err != nil || j.RewardModel == "" {
		return tk, func() {}, err
	}
	r, _, err := rm.Load(j.RewardModel, checkpoint.Options{Device: m.Device(), DType: m.DType()})
	if err != nil {
		return Task{}, nil, err
	}
	tk.Reward = &ModelReward{M: r, Batch: 64}
	return tk, r.Free, nil
}

func (j Job) taskOptions() TaskOptions {
	return TaskOptions{Words: j.Words, Limit: j.Limit, Data: j.Data, Domain: j.Domain}
}

// ModelReward is a reward model's score of (prompt, completion). Score calls RewardBatch, which
// scores a step's completions in padded batches of Batch; Reward scores one.
type ModelReward struct {
	M     *rm.Model
	Batch int
	mu    sync.Mutex // one forward at a time
}

func (r *ModelReward) Reward(prompt, completion string, _ Example) (float64, error) {
	v, err := r.RewardBatch([]string{prompt}, []string{completion}, nil)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// RewardBatch scores every (prompt, completion) at once.
func (r *ModelReward) RewardBatch(prompts, completions []string, _ []Example) ([]float64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.M.Score(prompts, completions, r.Batch)
}

// BatchReward is a Reward that scores a whole batch at once (a model, rather than a rule): Score
// calls it once per batch instead of once per sample.
type BatchReward interface {
	Reward
	RewardBatch(prompts, completions []string, exs []Example) ([]float64, error)
}

// scoreBatch is Score for a BatchReward: a failure fails every sample.
func scoreBatch(br BatchReward, prompts, completions []string, exs []Example) Scores {
	vals, err := br.RewardBatch(prompts, completions, exs)
	if err == nil && len(vals) != len(completions) {
		err = fmt.Errorf("batch reward: %d values for %d completions", len(vals), len(completions))
	}
	if err != nil {
		return Scores{Values: make([]float64, len(completions)), Errors: len(completions), FirstErr: "batch: " + err.Error()}
	}
	return Scores{Values: vals}
}
