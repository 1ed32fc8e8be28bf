package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"colash/engine/eval"
	"colash/engine/generate"
)

func init() {
	register("eval", "evaluate a model on math500, a MATH or a GSM8K file (accuracy, pass@k, maj@k)", runEval)
}

func runEval(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: colash eval math500|math|gsm8k [--data FILE] --model DIR [--n N] [--samples K] [--out FILE.jsonl]")
	}
	set := args[0]
	fs := flag.NewFlagSet("eval "+set, flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	data := fs.String("data", "", "JSONL file (math: MATH schema; gsm8k: question/answer); math500 is built in")
	n := fs.Int("n", 0, "evaluate the first N problems (0: all)")
	samples := fs.Int("samples", 1, "completions per problem, for pass@k and maj@k")
	batch := fs.Int("batch", 8, "problems per generation batch")
	maxTokens := fs.Int("max-tokens", 512, "new tokens per completion")
	temp := fs.Float64("t", 0, "token temperature (0: greedy, as CoLA decodes tokens)")
	latentTemp := fs.Float64("latent-t", 1, "CoLA code temperature (0: greedy codes); top-k 40 as in the paper")
	seed := fs.Uint64("seed", 0, "random seed")
	out := fs.String("out", "", "JSONL of every problem; an existing file is resumed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var (
		probs []eval.Problem
		err   error
	)
	switch set {
	case "math500":
		probs = eval.Math500()
	case "math":
		probs, err = eval.LoadMATH(*data)
	case "gsm8k":
		probs, err = eval.LoadGSM8K(*data)
	default:
		return fmt.Errorf("unknown set %q: want math500, math or gsm8k", set)
	}
	if err != nil {
		return err
	}
	if *samples > 1 && *temp == 0 && *latentTemp == 0 {
		return fmt.Errorf("--samples %d with greedy tokens and codes gives %d identical completions: set -t or --latent-t", *samples, *samples)
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	latent := generate.PaperLatent
	latent.Temperature, latent.Seed = *latentTemp, *seed
	gen := &eval.ModelGenerator{
		NewSession: func(capacity int) generate.Session { return m.session(capacity, latent) },
		Tok:        m.tok,
		Options:    generate.Options{MaxTokens: *maxTokens, Sampling: generate.Sampling{Temperature: *temp, Seed: *seed}},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := eval.Run(ctx, probs, gen, eval.Config{N: *n, Samples: *samples, Batch: *batch, OutPath: *out, Progress: os.Stderr})
	if rep != nil {
		fmt.Println(rep)
	}
	return err
}
