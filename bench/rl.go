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
	w, tr, done, err := testbedTrainer("cd3", cfg.Prompts*4, cfg)
	if err != nil {
		return nil, err
	}
	defer done()
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

// testbedTrainer is a latent GRPO trainer of cfg over the testbed CoLA on the first n training
// problems of task; done frees it and the model.
func testbedTrainer(task string, n int, cfg rl.Config) (w *testbed, tr *rl.Trainer, done func(), err error) {
	if w, err = openTestbed(task, n); err != nil {
		return nil, nil, nil, err
	}
	actor, err := rl.NewCoLAActor(w.m.CoLA, generate.PaperLatent, w.m.Tok.StopTokens())
	if err != nil {
		w.m.Free()
		return nil, nil, nil, err
	}
	tk := w.task
	tk.Examples = tk.Examples[:len(w.prompts)]
	if tr, err = rl.NewTrainer(actor, w.m.Tok, tk, cfg); err != nil {
		actor.Close()
		w.m.Free()
		return nil, nil, nil, err
	}
	return w, tr, func() { tr.Close(); actor.Close(); w.m.Free() }, nil
}

// RLMicroBatches times one latent GRPO step's reference pass and update on the testbed CoLA's
// cd4 training problems (16 prompts x 8 samples of up to 400 tokens, one mini-batch: the runs of
// docs/experiments.md §1) reading all 128 rows in one forward and reading them in rl's default
// micro-batches, the same rollout both times (one seed), in the same run: docs/rl.md's
// "Micro-batches".
func RLMicroBatches(ctx context.Context) ([]Result, error) {
	cfg := rlConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Epochs, cfg.MiniBatches, cfg.Lambda, cfg.LR, cfg.MinLR = 16, 8, 400, 1, 1, 1, 3e-4, 3e-5
	return rlMicroBatches(ctx, "cd4", cfg)
}

// rlMicroBatches is RLMicroBatches of cfg on task.
func rlMicroBatches(ctx context.Context, task string, cfg rl.Config) ([]Result, error) {
	type times struct{ ref, update, loss float64 }
	step := func(micro int) (times, error) {
		c := cfg
		c.MicroBatch = micro
		_, tr, done, err := testbedTrainer(task, c.Prompts, c)
		if err != nil {
			return times{}, err
		}
		defer done()
		m, err := tr.TrainStep(ctx)
		if err != nil {
			return times{}, err
		}
		return times{m["time/reference"].(float64), m["time/update"].(float64), m["loss/policy"].(float64)}, nil
	}
	rows, micro := cfg.Prompts*cfg.Group, rl.DefaultConfig().MicroBatch
	whole, err := step(0)
	if err != nil {
		return nil, err
	}
	small, err := step(micro)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("%d rollouts of up to %d tokens on %s; policy loss %.6g, and %.6g in micro-batches", rows, cfg.MaxTokens, task, whole.loss, small.loss)
	var res []Result
	for _, p := range []struct {
		name        string
		whole, some float64
	}{{"reference pass", whole.ref, small.ref}, {"update", whole.update, small.update}} {
		res = append(res,
			Result{Name: fmt.Sprintf("rl: %s, %d rows a forward", p.name, rows), Value: p.whole, Unit: "s", Note: note},
			Result{Name: fmt.Sprintf("rl: %s, %d rows a forward", p.name, micro), Value: p.some, Unit: "s"},
			Result{Name: fmt.Sprintf("rl: %s, %d rows / %d rows", p.name, rows, micro), Value: p.whole / p.some, Unit: "x", Note: "speed-up of micro-batches"})
	}
	return res, nil
}
