package main

import (
	"flag"
	"fmt"
	"strings"

	"colash/model/checkpoint"
)

// saveFlags are the flags of every command that writes a model folder.
type saveFlags struct {
	dtype, shard string
}

func (f *saveFlags) register(fs *flag.FlagSet, shards bool) {
	fs.StringVar(&f.dtype, "save-dtype", "f32", "stored dtype of the model: f32, f16 or bf16")
	if shards {
		fs.StringVar(&f.shard, "shard", "", "largest shard size, e.g. 500MB or 5GB (default: one file)")
	}
}

// options checks the flags and returns the save options they ask for.
func (f *saveFlags) options() (checkpoint.SaveOptions, error) {
	dt, err := checkpoint.ParseStoredDType(f.dtype)
	if err != nil {
		return checkpoint.SaveOptions{}, err
	}
	shard, err := parseBytes(f.shard)
	return checkpoint.SaveOptions{DType: dt, ShardBytes: shard}, err
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
