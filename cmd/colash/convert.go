package main

import (
	"flag"
	"fmt"
	"os"
)

func init() {
	register("convert", "write a loaded model as a Hugging Face folder (config.json + safetensors)", runConvert)
}

func runConvert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
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
