package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/cola"
)

func init() {
	register("rl", "reinforcement learning over latent actions (CoLA policy) or tokens (baseline): GRPO, ReMax, RLOO, PPO", runRL)
}

func runRL(args []string) error {
	fs := flag.NewFlagSet("rl", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	d := rl.DefaultConfig()
	c := &d
	task := fs.String("task", "story-word", "task: "+strings.Join(rl.TaskNames, ", "))
	words := fs.String("words", "", "story-word(s): comma-separated target words (default friend,friends)")
	limit := fs.Int("limit", 0, "math: use the first N training problems")
	algo := fs.String("algo", "grpo", "advantage estimator: grpo, remax, rloo or ppo")
	tokenLevel := fs.Bool("token-level", false, "baseline: sample and train tokens of the plain Llama instead of CoLA's latent policy")
	layers := fs.Int("layers", 2, "token level: train the last N decoder blocks + final norm + lm_head (0: the full model)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "RL steps (rollout + update)")
	fs.IntVar(&c.Prompts, "prompts", c.Prompts, "prompts per step")
	fs.IntVar(&c.Group, "group", c.Group, "samples per prompt")
	fs.IntVar(&c.MaxTokens, "max-tokens", c.MaxTokens, "completion length limit")
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
	topK := fs.Int("top-k", 40, "action sampling: top-k")
	tau := fs.Float64("tau", 1, "action sampling temperature (log-probs use it too)")
	topP := fs.Float64("top-p", 1, "action sampling: top-p")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of prompts, sampling and shuffles")
	wrapSeed := fs.Uint64("wrap-seed", 7, "latent mode with a plain Llama: seed of the fresh CoLA modules")
	polLayers := fs.Int("policy-layers", 2, "latent mode with a plain Llama: policy blocks of the fresh modules")
	out := fs.String("out", "", "output folder: metrics.jsonl, summary.json, checkpoint/ (required)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	saveEvery := fs.Int("save-every", 25, "checkpoint every N steps (and at the end)")
	heldOut := fs.Int("held-out", 32, "capability check: backbone-sampled held-out continuations (0: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	c.Algo, c.KL, c.Whiten = rl.Algo(*algo), rl.KLEstimator(*klEst), !*noWhiten
	var ws []string
	if *words != "" {
		ws = strings.Split(*words, ",")
	}
	tk, err := rl.NewTask(*task, rl.TaskOptions{Words: ws, Limit: *limit})
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	smp := generate.Sampling{Temperature: *tau, TopK: *topK, TopP: *topP}

	// The held-out text is sampled from the starting backbone, before anything trains.
	var held *rl.HeldOut
	if *heldOut > 0 {
		if held, err = rl.SampleHeldOut(m.Llama, m.Tok, rl.StoryPrompts, *heldOut, 48, 12345); err != nil {
			return err
		}
	}
	var actor rl.Actor
	if *tokenLevel {
		actor, err = rl.NewTokenActor(m.Llama, smp, *layers, m.Tok.StopTokens())
	} else {
		if m.CoLA == nil {
			fmt.Fprintf(os.Stderr, "%s is a plain Llama: wrapping it in fresh CoLA modules (seed %d, %d policy blocks)\n", m.Path, *wrapSeed, *polLayers)
			if err := m.WrapCoLA(cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 2, PolicyLayers: *polLayers}, *wrapSeed); err != nil {
				return err
			}
		}
		actor, err = rl.NewCoLAActor(m.CoLA, smp, m.Tok.StopTokens())
	}
	if err != nil {
		return err
	}
	defer actor.Close()
	frozen0 := rl.HashParams(actor.Frozen())
	tr, err := rl.NewTrainer(actor, m.Tok, tk, *c)
	if err != nil {
		return err
	}
	defer tr.Close()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	summary := map[string]any{"task": tk.Name, "algo": c.Algo, "token_level": *tokenLevel, "model": m.Path, "config": c}
	sumPath := filepath.Join(*out, "summary.json")
	if *resume {
		if b, err := os.ReadFile(sumPath); err == nil {
			json.Unmarshal(b, &summary)
		}
	} else if held != nil {
		nll, err := rl.NLL(actor, held)
		if err != nil {
			return err
		}
		summary["nll_before"] = nll
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	err = run.Loop(ctx, tr, run.Options{Name: "rl", Steps: c.Steps, Out: *out, SaveEvery: *saveEvery,
		Resume: resumeMode(*resume), Progress: os.Stderr, Summary: rlSummary})
	if err != nil {
		return err
	}
	if held != nil {
		nll, err := rl.NLL(actor, held)
		if err != nil {
			return err
		}
		summary["nll_after"] = nll
	}
	summary["frozen_unchanged"] = rl.HashParams(actor.Frozen()) == frozen0
	summary["train_seconds"] = summarySeconds(summary) + time.Since(start).Seconds()
	if err := checkpoint.WriteJSON(sumPath, summary); err != nil {
		return err
	}
	if err := m.Save(filepath.Join(*out, "model"), checkpoint.SaveOptions{DType: "F32"}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (metrics.jsonl, summary.json, checkpoint/, model/)\n", *out)
	return nil
}

// rlSummary is what the progress bar shows of an RL step.
func rlSummary(m any) string {
	mt, _ := m.(rl.Metrics)
	return fmt.Sprintf("reward %.3f kl %.4f", mt["reward/mean"], mt["kl"])
}

// resumeMode maps a command's --resume flag onto the run loop's modes.
func resumeMode(resume bool) run.Resume {
	if resume {
		return run.Required
	}
	return run.Fresh
}

func summarySeconds(s map[string]any) float64 {
	if v, ok := s["train_seconds"].(float64); ok {
		return v
	}
	return 0
}
