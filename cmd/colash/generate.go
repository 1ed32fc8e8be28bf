package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"colash/engine/generate"
	"colash/model/tokenizer"
)

func init() {
	register("generate", "continue a prompt with a model; prints the new text on stdout", runGenerate).
		withUsage("colash generate [--model M] [--prompt TEXT] [-n 200] [-t 0] [--top-k K] [--top-p P] [--seed S]").
		withDoc("Tokens are greedy unless -t > 0. A CoLA (--model cola) samples a latent code per token\n"+
			"(--latent-temperature, top-k 40) and its world model turns the code into the token. The speed goes to stderr.").
		withExample("colash generate --prompt \"Once upon a time\" -n 100",
			"colash generate --model cola --prompt \"Lily had a ball.\" --latent-temperature 1 --seed 3")
}

func runGenerate(args []string) error {
	fs := newFlags("generate")
	var mf modelFlags
	mf.register(fs)
	prompt := fs.String("prompt", "", "text to continue (BOS is prepended)")
	n := fs.Int("n", 200, "tokens to generate")
	temp := fs.Float64("temperature", 0, "token temperature (0: greedy)")
	topK := fs.Int("top-k", 0, "sample from the k most likely tokens (0: all)")
	topP := fs.Float64("top-p", 0, "sample from the smallest set with this total probability (0: all)")
	seed := fs.Uint64("seed", 0, "random seed for sampling")
	noCache := fs.Bool("no-cache", false, "recompute the whole sequence at every step (Llama only, for comparison)")
	latentT := fs.Float64("latent-temperature", 1, "CoLA: code temperature (0: greedy codes); top-k 40 as in the paper")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	ids := m.Tok.Encode(*prompt, tokenizer.EncodeOptions{BOS: true})
	out := bufio.NewWriter(os.Stdout)
	ctx, stop := stopContext()
	defer stop()
	latent := generate.PaperLatent
	latent.Temperature, latent.Seed = *latentT, *seed
	var sess generate.Session
	if m.CoLA == nil {
		sess = generate.NewLlamaSession(m.Llama, len(ids)+*n, *noCache)
	} else {
		sess = generate.NewSession(m, len(ids)+*n, latent)
	}
	defer sess.Close()
	start := time.Now()
	toks, err := generate.Continue(ctx, sess, m.Tok, ids, generate.Options{MaxTokens: *n,
		Sampling: generate.Sampling{Temperature: *temp, TopK: *topK, TopP: *topP, Seed: *seed}},
		func(text string) {
			out.WriteString(text)
			out.Flush()
		})
	out.WriteString("\n")
	out.Flush()
	el := time.Since(start)
	fmt.Fprintf(os.Stderr, "%d tokens in %.2fs (%.0f tok/s)\n", len(toks), el.Seconds(), float64(len(toks))/el.Seconds())
	return err
}
