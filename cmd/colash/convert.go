package main

import (
	"fmt"
	"os"
)

func init() {
	register("convert", "write a loaded model as a Hugging Face folder (config.json + safetensors)", runConvert).
		withUsage("colash convert [--model M] --out DIR [--save-dtype f32|f16|bf16] [--shard SIZE]").
		withDoc("M is anything colash loads (a Hugging Face or CoLA folder, a llama2.c .bin file, a shipped\n"+
			"name); the folder written loads as a Hugging Face checkpoint, its tokenizer and licences copied.").
		withExample("colash convert --out stories260K-bf16 --save-dtype bf16",
			"colash convert --model cola --out cola-sharded --shard 500KB")
}

func runConvert(args []string) error {
	fs := newFlags("convert")
	var mf modelFlags
	mf.register(fs)
	out := fs.String("out", "", "output folder (required)")
	var sf saveFlags
	sf.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	so, err := sf.options()
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	if err := m.Save(*out, so); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s)\n", *out, so.DType)
	return nil
}
