package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"

	"colash/recipes"
)

func init() {
	register("eval", "evaluate a model on math500, a MATH or a GSM8K file (accuracy, pass@k, maj@k)", runEval)
}

func runEval(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: colash eval math500|math|gsm8k [--data FILE] [--model DIR] [--n N] [--samples K] [--out FILE.jsonl]\n" +
			"       colash eval math500 --search greedy|best-of-n|mcts|mcts-q [--qnet DIR] [--reward-model DIR | --oracle] [colash search's flags]")
	}
	if method, rest, ok := searchFlag(args[1:]); ok {
		if args[0] != "math500" {
			return fmt.Errorf("eval %s --search: search evaluates math500 (colash search --task for the others)", args[0])
		}
		return runSearch(append([]string{"--task", "math500", "--method", method, "--n", "500"}, rest...))
	}
	e := recipes.DefaultEval()
	e.Set = args[0]
	fs := flag.NewFlagSet("eval "+e.Set, flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	fs.StringVar(&e.Data, "data", "", "JSONL file (math: MATH schema; gsm8k: question/answer); math500 is built in")
	fs.IntVar(&e.N, "n", 0, "evaluate the first N problems (0: all)")
	fs.IntVar(&e.Samples, "samples", e.Samples, "completions per problem, for pass@k and maj@k")
	fs.IntVar(&e.Batch, "batch", e.Batch, "problems per generation batch")
	fs.IntVar(&e.MaxTokens, "max-tokens", e.MaxTokens, "new tokens per completion")
	fs.Float64Var(&e.Temperature, "t", 0, "token temperature (0: greedy, as CoLA decodes tokens)")
	fs.Float64Var(&e.LatentTemperature, "latent-t", e.LatentTemperature, "CoLA code temperature (0: greedy codes); top-k 40 as in the paper")
	fs.Uint64Var(&e.Seed, "seed", 0, "random seed")
	fs.StringVar(&e.Grading, "grading", e.Grading, "grader: prm800k (the paper's) or strict (docs/grading.md)")
	out := fs.String("out", "", "JSONL of every problem; an existing file is resumed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := recipes.RunEval(ctx, m, e, *out, os.Stderr)
	if rep != nil {
		fmt.Println(rep)
	}
	return err
}

// searchFlag finds --search METHOD (or --search=METHOD) among args and returns the others.
func searchFlag(args []string) (method string, rest []string, ok bool) {
	for i, a := range args {
		if v, found := strings.CutPrefix(a, "--search="); found {
			return v, append(slices.Clone(args[:i]), args[i+1:]...), true
		}
		if a == "--search" && i+1 < len(args) {
			return args[i+1], append(slices.Clone(args[:i]), args[i+2:]...), true
		}
	}
	return "", args, false
}
