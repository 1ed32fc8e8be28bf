package main

import (
	"fmt"
	"os"

	"colash/engine/job"
	"colash/engine/train"
)

func init() {
	register("sample", "write text sampled from a model (batched, seeded) as JSONL, e.g. a training corpus", runSample).
		withUsage("colash sample [--model M] --tokens N --out FILE.jsonl [--len 256] [--batch 64] [-t 1] [--seed S]").
		withDoc("A CoLA samples from its backbone. Each line is {\"text\": ...}; samples end at EOS or --len tokens.").
		withExample("colash sample --tokens 65536 --seed 2 --out heldout.jsonl")
}

func runSample(args []string) error {
	fs := newFlags("sample")
	var mf modelFlags
	mf.register(fs)
	c := train.DefaultSample
	c.Tokens = 100000
	job.Flags(fs, &c)
	out := fs.String("out", "", "output JSONL file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	m, err := mf.load() // a CoLA samples from its backbone
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := stopContext()
	defer stop()
	texts, tokens, err := train.SampleText(ctx, m.Llama, m.Tok, c, *out, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d texts, %d tokens\n", *out, texts, tokens)
	return nil
}
