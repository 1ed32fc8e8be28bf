package torch

import (
	"context"
	"fmt"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/engine/run"
	"colash/stdlib/backend"
)

func (m *Llama) TrainRL(ctx context.Context, o backend.RLOptions, onStep func(backend.RLStep)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	smp := generate.Sampling{Temperature: 1, TopK: 40, TopP: 1}
	a, err := rl.NewTokenActor(m.m.Llama, smp, max(o.Layers, 1), m.m.Tok.StopTokens())
	if err != nil {
		return err
	}
	defer a.Close()
	return trainRL(ctx, a, m, o, onStep)
}

func (m *CoLA) TrainRL(ctx context.Context, o backend.RLOptions, onStep func(backend.RLStep)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := rl.NewCoLAActor(m.m.CoLA, generate.PaperLatent, m.m.Tok.StopTokens())
	if err != nil {
		return err
	}
	defer a.Close()
	return trainRL(ctx, a, &m.Llama, o, onStep)
}

// trainRL runs o.Steps steps of RL of actor on the task o describes.
func trainRL(ctx context.Context, actor rl.Actor, m *Llama, o backend.RLOptions, onStep func(backend.RLStep)) error {
	task, err := rlTask(o)
	if err != nil {
		return err
	}
	c := rl.DefaultConfig()
	if o.Algo != "" {
		c.Algo = rl.Algo(o.Algo)
	}
	c.Steps, c.Prompts, c.Group, c.MaxTokens = pos(o.Steps, 20), pos(o.Batch, 4), pos(o.Group, 4), pos(o.MaxTokens, 32)
	if o.LR > 0 {
		c.LR, c.MinLR = o.LR, o.LR/10
	}
	if o.KL > 0 {
		c.KLCoef = o.KL
	}
	c.Seed = o.Seed
	if o.Reward != nil {
		c.Workers = 1 // the interpreter runs a script's function on one goroutine at a time
	}
	tr, err := rl.NewTrainer(actor, m.m.Tok, task, c)
	if err != nil {
		return err
	}
	defer tr.Close()
	report := func(step int, v any) {
		if onStep != nil {
			mt := v.(rl.Metrics)
			onStep(backend.RLStep{Step: step, Reward: num(mt["reward/mean"]), KL: num(mt["kl"]),
				Entropy: num(mt["entropy"]), MeanLength: num(mt["completions/mean_length"]), ClipFrac: num(mt["clip_ratio"])})
		}
	}
	return run.Loop(ctx, tr, run.Options{Name: "rl", Steps: c.Steps, OnStep: report})
}

func rlTask(o backend.RLOptions) (rl.Task, error) {
	if o.Reward == nil {
		if o.Task == "" {
			return rl.Task{}, fmt.Errorf("rl: give a Task (one of %v) or a Reward with Prompts", rl.TaskNames)
		}
		return rl.NewTask(o.Task, rl.TaskOptions{})
	}
	if len(o.Prompts) == 0 {
		return rl.Task{}, fmt.Errorf("rl: a custom Reward needs Prompts")
	}
	var exs []rl.Example
	for _, p := range o.Prompts {
		exs = append(exs, rl.Example{Prompt: p})
	}
	f := o.Reward
	reward := rl.RewardFunc(func(prompt, completion string, _ rl.Example) (float64, error) { return f(prompt, completion), nil })
	return rl.Task{Name: "script", Examples: exs, Reward: reward}, nil
}

func pos(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}
