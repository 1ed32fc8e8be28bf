package checkpoint_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/internal/testenv"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// torchPython is Debian's interpreter, where python3-torch is installed.
const torchPython = testenv.Python

func needTorch(t *testing.T) {
	t.Helper()
	testenv.PythonWith(t, "torch")
}

// torchLogits runs testdata/llama_ref.py on dir for each prompt alone.
func torchLogits(t *testing.T, dir string, prompts [][]int) [][][]float64 {
	in := filepath.Join(t.TempDir(), "prompts.json")
	out := filepath.Join(t.TempDir(), "logits.json")
	b, _ := json.Marshal(prompts)
	os.WriteFile(in, b, 0o644)
	cmd := exec.Command(torchPython, "testdata/llama_ref.py", dir, in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference failed: %v\n%s", err, msg)
	}
	var logits [][][]float64
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &logits); err != nil {
		t.Fatal(err)
	}
	return logits
}

// goLogits runs the prompts as one left-padded batch, either in one call without a cache or
// with a cache: the first half of the slots at once, then one slot at a time. It returns, per
// prompt, the logits at its real positions.
func goLogits(t *testing.T, m *llama.Model, prompts [][]int, cached bool) [][][]float32 {
	B, L := len(prompts), 0
	for _, p := range prompts {
		L = max(L, len(p))
	}
	pad := make([]int, B)
	flat := make([]int64, B*L)
	for b, p := range prompts {
		pad[b] = L - len(p)
		for i, id := range p {
			flat[b*L+pad[b]+i] = int64(id)
		}
	}
	V := m.Config.Vocab
	all := make([][]float32, B) // [b][slot*V]
	batch := &llama.Batch{Pad: pad}
	run := func(from, n int, cache *llama.KVCache) {
		part := make([]int64, 0, B*n)
		for b := 0; b < B; b++ {
			part = append(part, flat[b*L+from:b*L+from+n]...)
		}
		x := tensor.FromInt64s(part, []int64{int64(B), int64(n)}, gotch.CPU)
		h, err := m.Hidden(x, batch, cache)
		if err != nil {
			t.Fatal(err)
		}
		batch.Advance(n)
		v := tensor.Float32s(m.Logits(h))
		for b := 0; b < B; b++ {
			all[b] = append(all[b], v[b*n*V:(b+1)*n*V]...)
		}
	}
	if cached {
		cache := m.NewCache(B, 4) // small on purpose: it must grow
		defer cache.Free()
		run(0, L/2, cache)
		for s := L / 2; s < L; s++ {
			run(s, 1, cache)
		}
	} else {
		run(0, L, nil)
	}
	out := make([][][]float32, B)
	for b := range prompts {
		for s := pad[b]; s < L; s++ {
			out[b] = append(out[b], all[b][s*V:(s+1)*V])
		}
	}
	return out
}

func TestLlamaMatchesPyTorchReference(t *testing.T) {
	needTorch(t)
	shipped, _ := filepath.Abs("../../models/stories260K")
	// The same weights with Llama-3.1 RoPE scaling (short original context, so it matters).
	scaled := t.TempDir()
	for _, f := range []string{"model.safetensors", "tokenizer.bin"} {
		checkpoint.CopyFile(filepath.Join(shipped, f), filepath.Join(scaled, f))
	}
	cfg, _ := os.ReadFile(filepath.Join(shipped, "config.json"))
	os.WriteFile(filepath.Join(scaled, "config.json"), []byte(strings.Replace(string(cfg), `"rope_theta": 10000,`,
		`"rope_theta": 500000, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 16},`, 1)), 0o644)

	for _, dir := range []string{shipped, scaled} {
		l := load(t, dir, gotch.Float)
		var prompts [][]int
		for _, s := range []string{"Once upon a time, there was a big dog named Max. Max liked to run.", "The cat sat", "Lily and Ben went to the park to play on the swings"} {
			prompts = append(prompts, l.Tok.Encode(s, tokenizer.EncodeOptions{BOS: true}))
		}
		want := torchLogits(t, dir, prompts)
		for _, cached := range []bool{false, true} {
			got := goLogits(t, l.Llama, prompts, cached)
			worst := 0.0
			for b := range prompts {
				if len(got[b]) != len(want[b]) {
					t.Fatalf("%s prompt %d: %d positions, reference %d", dir, b, len(got[b]), len(want[b]))
				}
				for p := range got[b] {
					for v := range got[b][p] {
						worst = math.Max(worst, math.Abs(float64(got[b][p][v])-want[b][p][v]))
					}
				}
			}
			t.Logf("%s cached=%v: max |go - torch| = %.2e", filepath.Base(dir), cached, worst)
			if worst > 1e-4 {
				t.Errorf("%s cached=%v: logits differ from PyTorch by %.2e (> 1e-4)", dir, cached, worst)
			}
		}
	}
}
