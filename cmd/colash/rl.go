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

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tokenizer"
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
	limit := fs.Int("limit", 0, "math500: use the first N problems")
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
	path, opt, err := mf.options()
	if err != nil {
		return err
	}
	smp := generate.Sampling{Temperature: *tau, TopK: *topK, TopP: *topP}

	// The model, its tokenizer, and the held-out text sampled from the starting backbone.
	var actor rl.Actor
	var tok tokenizer.Tokenizer
	var held *rl.HeldOut
	var save func(dir string) error
	sampleHeld := func(l *checkpoint.Llama) error {
		if *heldOut > 0 {
			held, err = rl.SampleHeldOut(l.Model, l.Tok, rl.StoryPrompts, *heldOut, 48, 12345)
		}
		return err
	}
	if *tokenLevel {
		l, err := checkpoint.LoadLlama(path, opt)
		if err != nil {
			return err
		}
		defer l.Free()
		if err := sampleHeld(l); err != nil {
			return err
		}
		ta, err := rl.NewTokenActor(l.Model, smp, *layers, l.Tok.StopTokens())
		if err != nil {
			return err
		}
		actor, tok = ta, l.Tok
		save = func(dir string) error { return checkpoint.SaveLlama(l, dir, checkpoint.SaveOptions{DType: "F32"}) }
	} else {
		var cm *checkpoint.CoLA
		if _, cerr := cola.ReadConfig(path); cerr == nil {
			cm, err = checkpoint.LoadCoLA(path, opt)
		} else {
			l, lerr := checkpoint.LoadLlama(path, opt)
			if lerr != nil {
				return lerr
			}
			fmt.Fprintf(os.Stderr, "%s is a plain Llama: wrapping it in fresh CoLA modules (seed %d, %d policy blocks)\n", path, *wrapSeed, *polLayers)
			cm, err = checkpoint.WrapCoLA(l, cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 2, PolicyLayers: *polLayers}, *wrapSeed)
		}
		if err != nil {
			return err
		}
		defer cm.Free()
		if err := sampleHeld(&checkpoint.Llama{Model: cm.Model.Model, Tok: cm.Tok}); err != nil {
			return err
		}
		ca, err := rl.NewCoLAActor(cm.Model, smp, cm.Tok.StopTokens())
		if err != nil {
			return err
		}
		actor, tok = ca, cm.Tok
		save = func(dir string) error { return checkpoint.SaveCoLA(cm, dir, checkpoint.SaveOptions{DType: "F32"}) }
	}
	defer actor.Close()
	frozen0 := rl.HashParams(actor.Frozen())
	tr, err := rl.NewTrainer(actor, tok, tk, *c)
	if err != nil {
		return err
	}
	defer tr.Close()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ckpt := filepath.Join(*out, "checkpoint")
	summary := map[string]any{"task": tk.Name, "algo": c.Algo, "token_level": *tokenLevel, "model": path, "config": c}
	sumPath := filepath.Join(*out, "summary.json")
	if *resume {
		if err := tr.Load(ckpt); err != nil {
			return err
		}
		if b, err := os.ReadFile(sumPath); err == nil {
			json.Unmarshal(b, &summary)
		}
		fmt.Fprintf(os.Stderr, "resumed %s at step %d\n", ckpt, tr.Step)
	} else if held != nil {
		nll, err := rl.NLL(actor, held)
		if err != nil {
			return err
		}
		summary["nll_before"] = nll
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if *resume {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logf, err := os.OpenFile(filepath.Join(*out, "metrics.jsonl"), flags, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	first := tr.Step
	bar := rl.NewProgress(os.Stderr, c.Steps)
	for tr.Step < c.Steps {
		m, err := tr.TrainStep(ctx)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(m)
		logf.Write(append(b, '\n'))
		bar.Update(tr.Step, m, time.Since(start)/time.Duration(tr.Step-first))
		if tr.Step%*saveEvery == 0 || tr.Step == c.Steps || ctx.Err() != nil {
			if err := tr.Save(ckpt); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			bar.Done()
			return fmt.Errorf("interrupted at step %d (checkpoint saved; --resume continues)", tr.Step)
		}
	}
	bar.Done()
	if held != nil {
		nll, err := rl.NLL(actor, held)
		if err != nil {
			return err
		}
		summary["nll_after"] = nll
	}
	summary["frozen_unchanged"] = rl.HashParams(actor.Frozen()) == frozen0
	summary["train_seconds"] = summarySeconds(summary) + time.Since(start).Seconds()
	b, _ := json.MarshalIndent(summary, "", "  ")
	if err := os.WriteFile(sumPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := save(filepath.Join(*out, "model")); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (metrics.jsonl, summary.json, checkpoint/, model/)\n", *out)
	return nil
}

func summarySeconds(s map[string]any) float64 {
	if v, ok := s["train_seconds"].(float64); ok {
		return v
	}
	return 0
}

func init() {
	register("rl-plot", "plot metrics.jsonl curves of rl runs (reward and KL against step) to PNG", runRLPlot)
}

func runRLPlot(args []string) error {
	fs := flag.NewFlagSet("rl-plot", flag.ContinueOnError)
	runs := fs.String("runs", "", "comma-separated label=DIR of rl runs (required)")
	out := fs.String("out", "rl.png", "output PNG; the KL plot goes beside it with a -kl suffix")
	smooth := fs.Int("smooth", 10, "moving-average window in steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs == "" {
		return fmt.Errorf("--runs is required")
	}
	type series struct {
		label      string
		reward, kl plotter.XYs
	}
	var all []series
	for _, spec := range strings.Split(*runs, ",") {
		label, dir, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("run %q: want label=DIR", spec)
		}
		b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
		if err != nil {
			return err
		}
		s := series{label: label}
		var rw []float64
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				return fmt.Errorf("%s: %w", dir, err)
			}
			step, _ := m["step"].(float64)
			r, _ := m["reward/mean"].(float64)
			k, _ := m["kl"].(float64)
			rw = append(rw, r)
			lo := max(0, len(rw)-*smooth)
			avg := 0.0
			for _, v := range rw[lo:] {
				avg += v
			}
			s.reward = append(s.reward, plotter.XY{X: step, Y: avg / float64(len(rw)-lo)})
			s.kl = append(s.kl, plotter.XY{X: step, Y: k})
		}
		all = append(all, s)
	}
	draw := func(title, ylabel, path string, pick func(series) plotter.XYs) error {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "step"
		p.Y.Label.Text = ylabel
		p.Legend.Top = true
		for i, s := range all {
			l, err := plotter.NewLine(pick(s))
			if err != nil {
				return err
			}
			l.Color = plotutil.Color(i)
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(s.label, l)
		}
		return p.Save(7*vg.Inch, 4*vg.Inch, path)
	}
	if err := draw(fmt.Sprintf("mean reward (moving average, %d steps)", *smooth), "reward", *out, func(s series) plotter.XYs { return s.reward }); err != nil {
		return err
	}
	klPath := strings.TrimSuffix(*out, filepath.Ext(*out)) + "-kl" + filepath.Ext(*out)
	if err := draw("KL to the reference (k1, mean per action token)", "kl", klPath, func(s series) plotter.XYs { return s.kl }); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s and %s\n", *out, klPath)
	return nil
}
