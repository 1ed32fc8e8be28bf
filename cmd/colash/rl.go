package main

import (
	"fmt"
	"os"
	"strings"

	"colash/engine/rl"
	"colash/engine/run"
)

func init() {
	register("rl", "reinforcement learning over latent actions (CoLA policy) or tokens (baseline): GRPO, ReMax, RLOO, PPO", runRL).
		withUsage("colash rl --model M --task T [--algo grpo|remax|rloo|ppo] [--token-level [--layers N]] [--turns N] --out DIR [--resume] [flags]").
		withDoc("Latent mode trains only a CoLA's policy (a plain Llama is first wrapped in fresh CoLA modules);\n"+
			"--token-level trains the Llama's tokens instead, the baseline. OUT receives metrics.jsonl,\n"+
			"summary.json, checkpoint/ and model/ (docs/rl.md).").
		withExample("colash rl --model cola --task story-word --steps 250 --prompts 8 --group 8 --max-tokens 32 --lr 5e-4 --min-lr 5e-5 --out runs/latent",
			"colash rl --model stories260K --task story-word --token-level --layers 2 --steps 250 --lr 5e-4 --out runs/token")
}

func runRL(args []string) error {
	fs := newFlags("rl")
	var mf modelFlags
	mf.register(fs)
	j := rl.DefaultJob()
	c := &j.Config
	fs.StringVar(&j.Task, "task", j.Task, "task: "+strings.Join(rl.TaskNames, ", "))
	words := fs.String("words", "", "story-word(s): comma-separated target words (default friend,friends)")
	fs.IntVar(&j.Limit, "limit", 0, "math: use the first N training problems")
	algo := fs.String("algo", "grpo", "advantage estimator: grpo, remax, rloo or ppo")
	fs.BoolVar(&j.TokenLevel, "token-level", false, "baseline: sample and train tokens of the plain Llama instead of CoLA's latent policy")
	fs.IntVar(&j.Layers, "layers", j.Layers, "token level: train the last N decoder blocks + final norm + lm_head (0: the full model)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "RL steps (rollout + update)")
	fs.IntVar(&c.Prompts, "prompts", c.Prompts, "prompts per step")
	fs.IntVar(&c.Group, "group", c.Group, "samples per prompt")
	fs.IntVar(&c.MaxTokens, "max-tokens", c.MaxTokens, "completion length limit")
	fs.IntVar(&c.Turns, "turns", c.Turns, "tries per episode: > 1 is multi-turn RL (a miss gets feedback and another try; grpo, rloo)")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate")
	fs.Float64Var(&c.MinLR, "min-lr", c.MinLR, "final learning rate of the cosine schedule")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "warmup optimiser steps")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "AdamW weight decay")
	fs.Float64Var(&c.GradClip, "grad-clip", c.GradClip, "global gradient-norm clip (0: none)")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "PPO epochs per rollout batch")
	fs.IntVar(&c.MiniBatches, "mini-batches", c.MiniBatches, "optimiser steps per epoch")
	fs.IntVar(&c.MicroBatch, "micro-batch", c.MicroBatch, "rows per forward/backward (0: the mini-batch)")
	fs.Float64Var(&c.ClipEps, "clip", c.ClipEps, "PPO ratio clip epsilon")
	fs.Float64Var(&c.KLCoef, "kl", c.KLCoef, "KL coefficient (initial, when adaptive)")
	fs.Float64Var(&c.KLTarget, "kl-target", 0, "adaptive KL: target per-sequence KL (0: fixed coefficient)")
	klEst := fs.String("kl-estimator", "k1", "KL estimator in the reward: k1 or k3")
	fs.BoolVar(&c.KLInLoss, "kl-in-loss", false, "KL (k3) as a loss term instead of a reward penalty")
	fs.Float64Var(&c.Gamma, "gamma", c.Gamma, "discount")
	fs.Float64Var(&c.Lambda, "lambda", c.Lambda, "GAE lambda")
	noWhiten := fs.Bool("no-whiten", false, "do not whiten advantages over the batch")
	fs.IntVar(&j.TopK, "top-k", j.TopK, "action sampling: top-k")
	fs.Float64Var(&j.Temperature, "tau", j.Temperature, "action sampling temperature (log-probs use it too)")
	fs.Float64Var(&j.TopP, "top-p", j.TopP, "action sampling: top-p")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of prompts, sampling and shuffles")
	fs.Uint64Var(&j.WrapSeed, "wrap-seed", j.WrapSeed, "latent mode with a plain Llama: seed of the fresh CoLA modules")
	fs.IntVar(&j.PolicyLayers, "policy-layers", j.PolicyLayers, "latent mode with a plain Llama: policy blocks of the fresh modules")
	out := fs.String("out", "", "output folder: metrics.jsonl, summary.json, checkpoint/, model/ (required)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	fs.IntVar(&j.SaveEvery, "save-every", j.SaveEvery, "checkpoint every N steps (and at the end)")
	fs.IntVar(&j.HeldOut, "held-out", j.HeldOut, "capability check: backbone-sampled held-out continuations (0: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	c.Algo, c.KL, c.Whiten = rl.Algo(*algo), rl.KLEstimator(*klEst), !*noWhiten
	if *words != "" {
		j.Words = strings.Split(*words, ",")
	}
	if err := j.Validate(); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, g, done, err := joinJob()
	if err != nil {
		return err
	}
	defer done()
	if _, err := rl.RunJobOn(ctx, g, m, j, *out, resumeMode(*resume), os.Stderr); err != nil {
		return err
	}
	if g.Rank() == 0 {
		fmt.Fprintf(os.Stderr, "wrote %s (metrics.jsonl, summary.json, checkpoint/, model/)\n", *out)
	}
	return nil
}

// resumeMode maps a command's --resume flag onto the run loop's modes.
func resumeMode(resume bool) run.Resume {
	if resume {
		return run.Required
	}
	return run.Fresh
}
