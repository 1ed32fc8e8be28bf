package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"colash/engine/run"
	"colash/model/cola"
	"colash/model/safetensors"
	"colash/model/shapes"
)

func init() {
	var rows []string
	for _, s := range shapes.All() {
		rows = append(rows, fmt.Sprintf("  %-13s %s", s.Name, s.About))
	}
	register("init", "write a random-weight Llama (or CoLA) of a named real shape, as a Hugging Face folder", runInit).
		withUsage("colash init --shape NAME --out DIR [--dtype bf16|f32] [--seed S] [--cola]").
		withDoc("The folder is what the Hugging Face release of that model holds, with random weights: its\n"+
			"config.json field for field, safetensors under the same tensor names (shards of 5 GB at most\n"+
			"and their index, as save_pretrained writes them) and the Llama 3 tokenizer. Weights are uniform\n"+
			"in [-0.02, 0.02) (norms 1) from --seed, generated tensor by tensor as they are written, so the\n"+
			"memory used is one tensor's. --cola adds CoLA modules at the released sizes (64 codes, 4 IDM\n"+
			"blocks, 2 merge MLPs, 8 policy blocks; IntentionForCausalLM). DIR must be new or empty, and the\n"+
			"command refuses before writing when the disk is short of space.\n"+
			"Shapes:\n"+strings.Join(rows, "\n")).
		withExample("colash init --shape tiny --out tiny-llama --seed 1",
			"colash init --shape llama-3.2-3b --cola --out cola-3b",
			"colash init --shape llama-3.1-8b --dtype bf16 --out llama-8b")
}

func runInit(args []string) error {
	fs := newFlags("init")
	shape := fs.String("shape", "", "model shape: "+strings.Join(shapes.Names(), ", ")+" (required)")
	out := fs.String("out", "", "output folder, new or empty (required)")
	dtype := fs.String("dtype", "bf16", "stored dtype of the weights: bf16 (as released) or f32")
	seed := fs.Uint64("seed", 0, "seed of the random weights")
	withCoLA := fs.Bool("cola", false, "add CoLA modules at the released sizes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shape == "" || *out == "" {
		return fmt.Errorf("--shape and --out are required (shapes: %s)", strings.Join(shapes.Names(), ", "))
	}
	s, err := shapes.Lookup(*shape)
	if err != nil {
		return err
	}
	dt, ok := map[string]safetensors.DType{"bf16": "BF16", "f32": "F32"}[strings.ToLower(*dtype)]
	if !ok {
		return fmt.Errorf("--dtype %q: want bf16 or f32", *dtype)
	}
	p, err := shapes.NewPlan(shapes.Spec{Shape: s, DType: dt, Seed: *seed, CoLA: *withCoLA})
	if err != nil {
		return err
	}
	what := s.Name
	if *withCoLA {
		what += fmt.Sprintf(" CoLA (%d codes, %d IDM blocks, %d merge MLPs, %d policy blocks)",
			cola.Released.Codes, cola.Released.ActionLayers, cola.Released.DynaLayers, cola.Released.PolicyLayers)
	}
	fmt.Fprintf(os.Stderr, "writing %s: %d weights, %.2f GB %s\n", what, p.Params, float64(p.Bytes)/1e9, *dtype)
	bar := run.NewBytesBar(os.Stderr, "write", p.Bytes)
	start := time.Now()
	err = p.Write(*out, func(done, _ int64) { bar.Set64(done) })
	if !bar.IsFinished() {
		bar.Exit()
	}
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(os.Stderr, "wrote %s in %.1fs (%.0f MB/s)\n", *out, el.Seconds(), float64(p.Bytes)/1e6/el.Seconds())
	return nil
}
