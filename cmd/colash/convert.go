package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"colash/model/checkpoint"
	"colash/model/safetensors"
)

func init() {
	register("convert", "write a loaded model as a Hugging Face folder (config.json + safetensors)", runConvert)
}

func runConvert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	out := fs.String("out", "", "output folder (required)")
	dtype := fs.String("save-dtype", "f32", "stored dtype: f32, f16 or bf16")
	shard := fs.String("shard", "", "largest shard size, e.g. 500MB or 5GB (default: one file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	dt, err := storedDType(*dtype)
	if err != nil {
		return err
	}
	shardBytes, err := parseBytes(*shard)
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	if err := m.Save(*out, checkpoint.SaveOptions{DType: dt, ShardBytes: shardBytes}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s)\n", *out, dt)
	return nil
}

func storedDType(s string) (safetensors.DType, error) {
	switch strings.ToLower(s) {
	case "f32", "float32":
		return "F32", nil
	case "f16", "float16":
		return "F16", nil
	case "bf16", "bfloat16":
		return "BF16", nil
	}
	return "", fmt.Errorf("save dtype %q: want f32, f16 or bf16", s)
}

// parseBytes reads sizes like 500MB, 5GB, 1024 ("" is 0).
func parseBytes(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	u := strings.ToUpper(s)
	for _, x := range []struct {
		suf string
		m   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(u, x.suf) {
			mult, u = x.m, strings.TrimSuffix(u, x.suf)
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(u, &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number with an optional KB, MB or GB suffix", s)
	}
	return n * mult, nil
}
