package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"colash/engine/generate"
	"colash/engine/run"
)

func init() {
	register("sample", "write text sampled from a model (batched, seeded) as JSONL, e.g. a training corpus", runSample)
}

func runSample(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	tokens := fs.Int("tokens", 100000, "total new tokens to sample (at least)")
	length := fs.Int("len", 256, "largest tokens per sample (a sample also ends at EOS)")
	batch := fs.Int("batch", 64, "sequences decoded together")
	temp := fs.Float64("t", 1, "temperature")
	seed := fs.Uint64("seed", 0, "random seed")
	field := fs.String("field", "text", "JSON field of each line")
	out := fs.String("out", "", "output JSONL file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *tokens <= 0 || *batch <= 0 || *length <= 0 {
		return fmt.Errorf("--out is required; --tokens, --batch and --len must be positive")
	}
	l, err := mf.load() // a CoLA samples from its backbone
	if err != nil {
		return err
	}
	defer l.Free()
	f, err := os.Create(*out + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(*out + ".tmp")
	w := bufio.NewWriter(f)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bos := l.Tok.BOS()
	bar := run.NewBar(os.Stderr, "sample", *tokens)
	total, docs := 0, 0
	for round := uint64(0); total < *tokens; round++ {
		prompts := make([][]int, *batch)
		for i := range prompts {
			prompts[i] = []int{bos}
		}
		sess := generate.NewLlamaSession(l.Llama, *length+1, false)
		res, err := generate.Generate(ctx, sess, prompts, generate.Options{MaxTokens: *length, Stop: l.Tok.StopTokens(),
			Sampling: generate.Sampling{Temperature: *temp, Seed: *seed*1_000_003 + round}})
		sess.Close()
		if err != nil {
			return err
		}
		for _, ids := range res {
			total += len(ids)
			if n := len(ids); n > 0 && isStop(ids[n-1], l.Tok.StopTokens()) {
				ids = ids[:n-1]
			}
			b, _ := json.Marshal(map[string]string{*field: l.Tok.Decode(append([]int{bos}, ids...))})
			w.Write(append(b, '\n'))
			docs++
		}
		bar.Describe(fmt.Sprintf("sample (%d texts)", docs))
		bar.Set(min(total, *tokens))
	}
	bar.Finish()
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(*out+".tmp", *out)
}

func isStop(id int, stops []int) bool {
	for _, s := range stops {
		if s == id {
			return true
		}
	}
	return false
}
