package bench

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/weights"
)

// A checkpoint copied (--no-mmap) is read once, straight into the model's tensors (fused rows
// included), adding one copy of the weights to the private memory; a mapped one adds almost
// none, even after a forward pass has read every weight. Either way the weights hold the file's
// values and keep its dtype.
func TestLoadCopiesOnceOrMaps(t *testing.T) {
	cfg := &llama.Config{ModelType: "llama", Dim: 512, FFN: 1408, Layers: 4, Heads: 8, KVHeads: 2,
		Vocab: 8000, NormEps: 1e-5, RopeTheta: 10000, MaxPositions: 256, BOS: 1, EOS: llama.IDs{2}}
	for _, c := range []struct {
		stored safetensors.DType
		want   gotch.DType
	}{{safetensors.F32, gotch.Float}, {safetensors.BF16, gotch.BFloat16}} {
		dir := t.TempDir()
		size, err := WriteRandomLlama(dir, cfg, c.stored, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, noMmap := range []bool{true, false} {
			if _, err := timeLoad(dir, noMmap); err != nil { // libtorch's one-time allocations
				t.Fatal(err)
			}
			r, err := timeLoad(dir, noMmap)
			if err != nil {
				t.Fatal(err)
			}
			growth := float64(r.privateKB) * 1024 / float64(size)
			t.Logf("%s, no-mmap %v: %d MB of weights, private memory grew %.3fx", c.stored, noMmap, size>>20, growth)
			if noMmap && growth > 1.1 {
				t.Errorf("%s copied: private memory grew by %.2fx of the weights (a second copy?)", c.stored, growth)
			}
			if !noMmap && growth > 0.1 {
				t.Errorf("%s mapped: private memory grew by %.2fx of the weights (copied?)", c.stored, growth)
			}
			m, err := checkpoint.OpenLlama(dir, checkpoint.Options{NoMmap: noMmap})
			if err != nil {
				t.Fatal(err)
			}
			if m.DType != c.want {
				t.Errorf("%s checkpoint loaded as %s, want it kept", c.stored, tensor.DTypeName(m.DType))
			}
			sameAsFile(t, dir, m)
			m.Free()
		}
	}
}

func sameAsFile(t *testing.T, dir string, m *llama.Model) {
	t.Helper()
	f, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range weights.Walk(m) {
		want, err := f.ReadFloat32(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got := tensor.Float32s(*p.Ptr); !slices.Equal(got, want) {
			t.Errorf("%s: loaded values differ from the file", p.Name)
		}
	}
}

func TestLoadBenchmarkReportsItsFigures(t *testing.T) {
	if testing.Short() || os.Getenv("COLASH_BENCH_LOAD") == "" {
		t.Skip("writes 0.9 GB; set COLASH_BENCH_LOAD=1")
	}
	res, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Logf("%-60s %8.4g %-5s %s", r.Name, r.Value, r.Unit, r.Note)
	}
}

func TestDecodeBigBenchmarkReportsItsFigures(t *testing.T) {
	if testing.Short() || os.Getenv("COLASH_BENCH_LOAD") == "" {
		t.Skip("writes 0.6 GB and decodes for a minute; set COLASH_BENCH_LOAD=1")
	}
	tensor.SetThreads(0)
	res, err := DecodeBig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Logf("%-60s %8.4g %-5s %s", r.Name, r.Value, r.Unit, r.Note)
	}
}
