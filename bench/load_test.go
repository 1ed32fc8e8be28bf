package bench

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/sugarme/gotch"

	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/weights"
)

// A checkpoint is read once, straight into the model's tensors (fused rows included): the
// weights hold the file's values, keep its dtype, and the load adds one copy of them to the RSS.
func TestLoadReadsOneCopyOfTheFile(t *testing.T) {
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
		warm, err := checkpoint.OpenLlama(dir, checkpoint.Options{}) // libtorch's one-time allocations
		if err != nil {
			t.Fatal(err)
		}
		warm.Free()
		runtime.GC()
		debug.FreeOSMemory()
		before, _ := mem.ResidentKB()
		m, err := checkpoint.OpenLlama(dir, checkpoint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		after, _ := mem.ResidentKB()
		growth := float64(after-before) * 1024 / float64(size)
		t.Logf("%s: %d MB of weights, RSS grew %.3fx", c.stored, size>>20, growth)
		if growth > 1.1 {
			t.Errorf("%s: loading %d bytes grew the RSS by %.2fx of them (a second copy?)", c.stored, size, growth)
		}
		if m.DType != c.want {
			t.Errorf("%s checkpoint loaded as %s, want it kept", c.stored, tensor.DTypeName(m.DType))
		}
		f, err := safetensors.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range weights.Walk(m) {
			want, err := f.ReadFloat32(p.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got := tensor.Float32s(*p.Ptr); !slices.Equal(got, want) {
				t.Errorf("%s %s: loaded values differ from the file", c.stored, p.Name)
			}
		}
		f.Close()
		m.Free()
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
