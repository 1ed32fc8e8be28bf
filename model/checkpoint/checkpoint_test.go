package checkpoint_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/internal/testenv"
	"colash/model/checkpoint"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/models"
)

var stories = sharedPath("models/stories260K") + "/"

func sharedPath(rel string) string {
	d, _ := testenv.SharedDir()
	return filepath.Join(d, rel)
}

// need skips the test (fails it under CI) when path, inside the shared folder, is missing:
// testenv.Shared's rule.
func need(t testing.TB, path string) {
	t.Helper()
	rel, err := filepath.Rel(sharedPath(""), path)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Shared(t, rel)
}

func load(t testing.TB, path string, dt gotch.DType) *checkpoint.Model {
	t.Helper()
	l, err := checkpoint.Open(path, checkpoint.Options{Device: gotch.CPU, DType: dt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Free)
	return l
}

// greedyStory generates 200 tokens from BOS, as llama2.c's run.c -t 0 -n 200 does.
func greedyStory(t *testing.T, l *checkpoint.Model) string {
	sess := generate.NewLlamaSession(l.Llama, 256, false)
	defer sess.Close()
	bos := l.Tok.Encode("", tokenizer.EncodeOptions{BOS: true})
	out, err := generate.Generate(context.Background(), sess, [][]int{bos}, generate.Options{MaxTokens: 200, Stop: l.Tok.StopTokens()})
	if err != nil {
		t.Fatal(err)
	}
	return l.Tok.Decode(append(bos, out[0]...)) + "\n"
}

func firstLogits(t *testing.T, l *checkpoint.Model, n int) []float32 {
	ids := l.Tok.Encode("Once upon a time, there was a little dog", tokenizer.EncodeOptions{BOS: true})[:n]
	x := tensor.FromInt64s(toI64(ids), []int64{1, int64(n)}, gotch.CPU)
	h, err := l.Llama.Hidden(x, nil, nil)
	if err == nil {
		t.Fatal("Hidden without a batch must fail cleanly")
	}
	h, err = l.Llama.Hidden(x, newBatch(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tensor.Float32s(l.Llama.Logits(h))
}

func TestGoldenStoryFromEveryFormat(t *testing.T) {
	need(t, stories+"stories260K.bin")
	want, err := os.ReadFile(stories + "expected_greedy_200.txt")
	if err != nil {
		t.Fatal(err)
	}
	bin := load(t, stories+"stories260K.bin", gotch.Float)
	dir := t.TempDir()
	sharded := t.TempDir()
	if err := bin.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		t.Fatal(err)
	}
	if err := bin.Save(sharded, checkpoint.SaveOptions{DType: "F32", ShardBytes: 200 << 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sharded, safetensors.IndexFileName)); err != nil {
		t.Fatalf("sharded save wrote no index: %v", err)
	}
	for name, path := range map[string]string{
		"legacy .bin": stories + "stories260K.bin", "v1 .bin": stories + "stories260K_v1.bin",
		"HF": dir, "HF sharded": sharded, "shipped": "../../models/stories260K",
	} {
		l := load(t, path, gotch.Float)
		if got := greedyStory(t, l); got != string(want) {
			t.Errorf("%s: greedy story differs from llama2.c:\n got %q\nwant %q", name, got, want)
		}
	}
}

func TestBF16CheckpointLogitsWithinTolerance(t *testing.T) {
	need(t, stories+"stories260K.bin")
	bin := load(t, stories+"stories260K.bin", gotch.Float)
	dir := t.TempDir()
	if err := bin.Save(dir, checkpoint.SaveOptions{DType: "BF16"}); err != nil {
		t.Fatal(err)
	}
	bf := load(t, dir, gotch.Float)
	a, b := firstLogits(t, bin, 8), firstLogits(t, bf, 8)
	// bf16 keeps 8 mantissa bits (relative error 2^-9 per weight); through 5 layers the logits
	// of this model (|logit| < 15) move by a few hundredths.
	const tol = 0.15
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if worst > tol {
		t.Errorf("bf16 weights move logits by %.4f (> %.2f)", worst, tol)
	}
	if worst == 0 {
		t.Errorf("bf16 weights gave identical logits: the conversion did not happen")
	}
	t.Logf("max |logit(f32) - logit(bf16 weights)| = %.4f", worst)
}

func TestCorruptCheckpointsNameFileAndTensor(t *testing.T) {
	need(t, stories+"stories260K.bin")
	bin := load(t, stories+"stories260K.bin", gotch.Float)
	good := t.TempDir()
	if err := bin.Save(good, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(good, safetensors.SingleFileName)
	data, _ := os.ReadFile(st)
	cfg, _ := os.ReadFile(filepath.Join(good, "config.json"))
	variant := func(mutate func(dir string)) string {
		dir := t.TempDir()
		for _, f := range []string{"config.json", safetensors.SingleFileName, "tokenizer.bin"} {
			b, _ := os.ReadFile(filepath.Join(good, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		mutate(dir)
		return dir
	}
	cases := []struct {
		name  string
		dir   string
		wants []string
	}{
		{"truncated", variant(func(d string) {
			os.WriteFile(filepath.Join(d, safetensors.SingleFileName), data[:len(data)-1000], 0o644)
		}),
			[]string{safetensors.SingleFileName, "tensor"}},
		{"wrong shape (layers)", variant(func(d string) {
			os.WriteFile(filepath.Join(d, "config.json"), []byte(strings.Replace(string(cfg), `"hidden_size": 64`, `"hidden_size": 32`, 1)), 0o644)
		}), []string{"model.embed_tokens.weight", "checkpoint has [512 64], model expects [512 32]"}},
		{"missing layer", variant(func(d string) {
			os.WriteFile(filepath.Join(d, "config.json"), []byte(strings.Replace(string(cfg), `"num_hidden_layers": 5`, `"num_hidden_layers": 6`, 1)), 0o644)
		}), []string{"missing tensors", "model.layers.5.self_attn.q_proj.weight"}},
		{"no config", variant(func(d string) { os.Remove(filepath.Join(d, "config.json")) }), []string{"config.json"}},
		{"bad config", variant(func(d string) { os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"hidden_size": 64,`), 0o644) }),
			[]string{"config.json"}},
		{"no weights", variant(func(d string) { os.Remove(filepath.Join(d, safetensors.SingleFileName)) }), []string{"safetensors"}},
		{"no tokenizer", variant(func(d string) { os.Remove(filepath.Join(d, "tokenizer.bin")) }), []string{"no tokenizer"}},
		{"not a model", stories + "expected_logits.txt", []string{"not a model"}},
		{"no such path", filepath.Join(good, "nope"), []string{"nope"}},
	}
	for _, c := range cases {
		_, err := checkpoint.Open(c.dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
		if err == nil {
			t.Errorf("%s: loaded without error", c.name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
	// A truncated llama2.c file names the tensor it could not read.
	raw, _ := os.ReadFile(stories + "stories260K.bin")
	cut := filepath.Join(t.TempDir(), "cut.bin")
	os.WriteFile(cut, raw[:len(raw)/2], 0o644)
	_, err := checkpoint.Open(cut, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float, Tokenizer: stories + "tok512.bin"})
	if err == nil || !strings.Contains(err.Error(), "cut.bin") || !strings.Contains(err.Error(), "model.layers.") {
		t.Errorf("truncated .bin: %v", err)
	}
}

func toI64(ids []int) []int64 {
	out := make([]int64, len(ids))
	for i, v := range ids {
		out[i] = int64(v)
	}
	return out
}

// The zero Options loads on the CPU in float32 (gotch's zero device and dtype are not usable).
func TestZeroOptionsAreCPUFloat32(t *testing.T) {
	path, err := models.Resolve("stories260K")
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.Open(path, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if s := m.String(); !strings.Contains(s, "float32 cpu") {
		t.Errorf("zero options: %s", s)
	}
}
