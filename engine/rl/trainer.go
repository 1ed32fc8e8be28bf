package rl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/head"
	"colash/model/tokenizer"
)

// Trainer runs PPO-style RL of an Actor on a Task.
type Trainer struct {
	Cfg   Config
	Actor Actor
	Tok   tokenizer.Tokenizer
	Task  Task
	Opt   *optim.AdamW
	Sched optim.Schedule
	KLC   KLController
	Step  int         // completed steps
	Group *dist.Group // data-parallel ranks of the policy update (parallel.go; nil: one process)

	params []optim.Param
	synced bool       // rank 0's state has reached every rank (parallel.go)
	value  *head.Head // PPO value head "value_head" (W [1,d], B [1]) over the detached hidden state
	times  Times      // the step's so far (Experience)
}

// NewTrainer checks cfg and makes the optimiser over the actor's trainable weights (and a value
// head for PPO).
func NewTrainer(actor Actor, tok tokenizer.Tokenizer, task Task, cfg Config) (*Trainer, error) {
	if cfg.Prompts <= 0 || cfg.Group <= 0 || cfg.MaxTokens <= 0 || cfg.Steps <= 0 {
		return nil, fmt.Errorf("rl: prompts, group, max tokens and steps must be positive")
	}
	if len(task.Examples) == 0 || (task.Reward == nil && task.Env == nil) {
		return nil, fmt.Errorf("rl: task %q has no examples or no reward", task.Name)
	}
	if task.Env != nil && cfg.Turns < 2 {
		return nil, fmt.Errorf("rl: task %q is played in episodes: set turns, the actions an episode may take (2 or more)", task.Name)
	}
	if (cfg.Algo == GRPO || cfg.Algo == RLOO) && cfg.Group < 2 {
		return nil, fmt.Errorf("rl: %s needs a group of at least 2", cfg.Algo)
	}
	cfg.Epochs, cfg.MiniBatches = max(cfg.Epochs, 1), max(cfg.MiniBatches, 1)
	if cfg.KL == "" {
		cfg.KL = K1
	}
	t := &Trainer{Cfg: cfg, Actor: actor, Tok: tok, Task: task,
		Sched: optim.Schedule{LR: cfg.LR, Min: math.Min(cfg.MinLR, cfg.LR), Warmup: cfg.Warmup, Total: cfg.Steps * cfg.Epochs * cfg.MiniBatches},
		KLC:   KLController{Coef: cfg.KLCoef, Target: cfg.KLTarget, Horizon: cfg.KLHorizon}}
	if err := t.Sched.Validate(); err != nil {
		return nil, err
	}
	for _, p := range actor.Trainable() {
		t.params = append(t.params, optim.Param{Name: p.Name, W: *p.Ptr})
	}
	ocfg := optim.Config{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: 1e-8, WeightDecay: cfg.WeightDecay,
		Groups: map[string]optim.Group{"value": {LRScale: cfg.ValueLRScale}}}
	if cfg.Algo == PPO {
		// Zeros, float32 whatever the model's dtype.
		v, err := head.New(head.Config{Name: "value_head", In: actor.(hiddenSize).HiddenSize(), Out: 1, Bias: true,
			Device: actor.Device(), DType: gotch.Float}, 0)
		if err != nil {
			return nil, err
		}
		t.value = v
		for _, p := range v.Params() {
			SetTrainable(*p.Ptr)
			t.params = append(t.params, optim.Param{Name: p.Name, W: *p.Ptr, Group: "value"})
		}
	}
	opt, err := optim.NewAdamW(t.params, ocfg)
	if err != nil {
		return nil, err
	}
	t.Opt = opt
	return t, nil
}

type hiddenSize interface{ HiddenSize() int }

// HiddenSize is the width of the CoLA backbone (the value head's input).
func (a *CoLAActor) HiddenSize() int { return a.M.Config.Dim }

// HiddenSize is the width of the Llama (the value head's input).
func (a *TokenActor) HiddenSize() int { return a.M.Config.Dim }

// Close frees the optimiser state and the value head.
func (t *Trainer) Close() {
	if t.Opt != nil {
		t.Opt.Free()
	}
	t.value.Free()
	t.value = nil
}

// StepSeed is the sampling seed of step i: a run's randomness is a function of (Seed, step), so a
// resumed run samples exactly what the uninterrupted one would have.
func (t *Trainer) StepSeed(i int) uint64 {
	r := rand.New(rand.NewPCG(t.Cfg.Seed, uint64(i)*0x9E3779B97F4A7C15+1))
	return r.Uint64()
}

// batchExamples picks the step's prompts: an epoch-wise shuffle of the examples.
func (t *Trainer) batchExamples(step int) []Example {
	n := len(t.Task.Examples)
	out := make([]Example, 0, t.Cfg.Prompts)
	for k := step * t.Cfg.Prompts; len(out) < t.Cfg.Prompts; k++ {
		epoch, i := k/n, k%n
		perm := rand.New(rand.NewPCG(t.Cfg.Seed^0xE9, uint64(epoch))).Perm(n)
		out = append(out, t.Task.Examples[perm[i]])
	}
	return out
}

// TrainStep runs one step (rollout, rewards, advantages, update) and returns its metrics.
func (t *Trainer) TrainStep(ctx context.Context) (Metrics, error) {
	if t.Group != nil && t.Group.Size() > 1 && !t.synced {
		if err := t.syncFromRank0(); err != nil {
			return nil, err
		}
		t.synced = true
	}
	start := time.Now()
	b, err := t.Experience(ctx, t.Step)
	if err != nil {
		return nil, fmt.Errorf("step %d: %w", t.Step, err)
	}
	expT := time.Since(start)
	lr := t.Sched.At(int(t.Opt.Steps))
	stop := clock(&b.Times.Update)
	st, err := t.Update(b)
	stop()
	if err != nil {
		return nil, fmt.Errorf("step %d: update: %w", t.Step, err)
	}
	m := t.metrics(b, st)
	m["lr"] = lr
	m["time/rollout"] = b.RolloutTime.Seconds()
	m["time/experience"] = expT.Seconds()
	m["time/step"] = time.Since(start).Seconds()
	m["time/generate"], m["time/score"] = b.Times.Generate.Seconds(), b.Times.Score.Seconds()
	m["time/reference"], m["time/update"] = b.Times.Reference.Seconds(), b.Times.Update.Seconds()
	m["kl_coef"] = t.KLC.Coef
	t.KLC.Update(m["kl/seq"].(float64), len(b.Tokens))
	t.Step++
	m["step"] = t.Step
	return m, nil
}
