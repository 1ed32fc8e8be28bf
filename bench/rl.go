package bench

import (
	"context"
	"fmt"

	"colash/engine/generate"
	"colash/engine/rl"
)

// rlConfig is the latent GRPO step of the RL figures: the countdown recipe's settings
// (recipes/countdown.toml: 8 prompts x 8 samples, 2 epochs of 4 mini-batches, top-k 40 at T 1)
// with completions of up to 128 tokens, room for the testbed's worked countdown solutions.
func rlConfig() rl.Config {
	c := rl.DefaultConfig()
	c.Prompts, c.Group, c.MaxTokens = 8, 8, 128
	c.LR, c.MinLR, c.Epochs, c.MiniBatches, c.KLCoef, c.Seed = 5e-4, 5e-5, 2, 4, 0.001, 1
	return c
}

// RLThroughput measures latent GRPO steps of the testbed CoLA on its countdown training problems
// (cd3, engine/tasks, seed 1): the step's time split into rollout, scoring, reference pass and
// update, and the rollout's tokens per second against plain batched CoLA decode of the same model
// at the same batch size (prompts x group rows, as many tokens a row as the rollout's longest),
// in the same run.
func RLThroughput(ctx context.Context) ([]Result, error) { return rlThroughput(ctx, rlConfig(), 3) }

// rlThroughput is RLThroughput of steps steps of cfg.
func rlThroughput(ctx context.Context, cfg rl.Config, steps int) ([]Result, error) {
	w, err := openTestbed("cd3", cfg.Prompts*4)
	if err != nil {
		return nil, err
	}
	defer w.m.Free()
	actor, err := rl.NewCoLAActor(w.m.CoLA, generate.PaperLatent, w.m.Tok.StopTokens())
	if err != nil {
		return nil, err
	}
	defer actor.Close()
	task := w.task
	task.Examples = task.Examples[:len(w.prompts)]
	tr, err := rl.NewTrainer(actor, w.m.Tok, task, cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	parts := map[string]float64{} // seconds by metric, over the steps
	n := float64(steps)
	var tokens, longest float64
	B := cfg.Prompts * cfg.Group
	var d decodeRun
	for range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := tr.TrainStep(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range []string{"time/step", "time/generate", "time/score", "time/reference", "time/update"} {
			parts[k] += m[k].(float64)
		}
		tokens += m["completions/mean_length"].(float64) * float64(B)
		longest = float64(m["completions/max_length"].(int))
		// After each step, decode as many tokens a row as its longest, for as long as its rollout.
		r, err := w.decodeFor(ctx, m["time/generate"].(float64), B, int(longest), generate.PaperLatent)
		if err != nil {
			return nil, err
		}
		d = d.plus(r)
	}
	decodeRate := float64(d.tokens) / d.secs
	stepSecs := parts["time/step"]
	rollRate := tokens / parts["time/generate"]
	share := func(k, name string) Result {
		return Result{Name: "rl: " + name + " share of the step", Value: parts[k] / stepSecs, Note: fmt.Sprintf("%.3fs a step", parts[k]/n)}
	}
	load := LoadAverage()
	return []Result{
		{Name: "rl: step", Value: stepSecs / n, Unit: "s", Note: fmt.Sprintf("latent GRPO on cd3, %d prompts x %d samples, up to %d tokens, %d epochs x %d mini-batches; mean of %d steps",
			cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Epochs, cfg.MiniBatches, steps)},
		share("time/generate", "rollout"), share("time/score", "scoring"), share("time/reference", "reference pass"), share("time/update", "update"),
		{Name: "rl: rollout tok/s", Value: rollRate, Unit: "tok/s", Note: fmt.Sprintf("completion tokens (mean %.0f a row, the last step's longest %.0f)", tokens/n/float64(B), longest)},
		{Name: fmt.Sprintf("rl: batched CoLA decode, batch %d", B), Value: decodeRate, Unit: "tok/s", Note: "after each step, as many tokens a row as its longest completion, codes as the rollout samples them, no stop, for as long as its rollout"},
		{Name: "rl: rollout / decode", Value: rollRate / decodeRate, Unit: "x", Note: "target >= 0.6; load average " + load},
		{Name: "rl: step tok/s", Value: tokens / stepSecs, Unit: "tok/s", Note: "completion tokens per second of whole steps"},
	}, nil
}
