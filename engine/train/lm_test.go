package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/model/weights"
)

// lmShape is a small Llama over a 20-token vocabulary.
func lmShape() *llama.Config {
	return &llama.Config{ModelType: "llama", Dim: 32, FFN: 64, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 20,
		NormEps: 1e-5, RopeTheta: 10000, MaxPositions: 64, BOS: 18, EOS: llama.IDs{19}}
}

// countingCorpus is sequences of "BOS a a+1 a+2 ... EOS" (mod 18): every token after the first
// is predictable, so a working trainer drives the loss far below log(20).
func countingCorpus(n, T int) []Seq {
	r := rand.New(rand.NewPCG(1, 2))
	var docs []Doc
	for range n {
		d := Doc{Tokens: []int{18}, Loss: []bool{false}}
		a := r.IntN(18)
		for k := range 10 {
			d.Tokens, d.Loss = append(d.Tokens, (a+k)%18), append(d.Loss, true)
		}
		d.Tokens, d.Loss = append(d.Tokens, 19), append(d.Loss, true)
		docs = append(docs, d)
	}
	return Pack(docs, T)
}

func newLM(t *testing.T, seed uint64) *llama.Model {
	t.Helper()
	m, err := NewLlama(lmShape(), seed, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func lmHash(t *testing.T, m *llama.Model) string {
	t.Helper()
	s := ""
	for _, p := range weights.Walk(m) {
		v := tensor.Float32s(*p.Ptr)
		s += fmt.Sprint(p.Name, v[:3], v[len(v)-1])
	}
	return s
}

func TestLMPretrainingLearnsAndResumesExactly(t *testing.T) {
	seqs := countingCorpus(200, 24)
	cfg := Defaults(StageLM)
	cfg.Steps, cfg.Batch, cfg.Accum, cfg.LR, cfg.Warmup, cfg.Seed = 40, 8, 2, 1e-2, 4, 3
	train := func(m *llama.Model, from string, steps int) (*Trainer, []float64) {
		d, _ := NewLoader(seqs, cfg.Seed)
		tr, err := NewLMTrainer(m, d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if from != "" {
			if err := tr.Load(from); err != nil {
				t.Fatal(err)
			}
		}
		return tr, runSteps(t, tr, steps)
	}
	a := newLM(t, 7)
	defer a.Free()
	ta, straight := train(a, "", cfg.Steps)
	defer ta.Free()
	if first, last := straight[0], straight[len(straight)-1]; !(last < 0.5*first) {
		t.Fatalf("loss %.3f -> %.3f: pretraining does not learn a counting sequence", first, last)
	}
	b := newLM(t, 7)
	tb, firstHalf := train(b, "", cfg.Steps/2)
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := tb.Save(dir); err != nil {
		t.Fatal(err)
	}
	tb.Free()
	b.Free()
	c := newLM(t, 99) // other initial weights: the checkpoint must replace every one
	defer c.Free()
	tc, rest := train(c, dir, cfg.Steps-cfg.Steps/2)
	defer tc.Free()
	resumed := append(firstHalf, rest...)
	for i := range straight {
		if straight[i] != resumed[i] {
			t.Fatalf("update %d: loss %.9g straight, %.9g resumed", i, straight[i], resumed[i])
		}
	}
	if lmHash(t, a) != lmHash(t, c) {
		t.Fatal("weights differ after resume")
	}
}

func lmValues(m *llama.Model) []float32 {
	var v []float32
	for _, p := range weights.Walk(m) {
		v = append(v, tensor.Float32s(*p.Ptr)...)
	}
	return v
}

func TestNewLlamaIsSeeded(t *testing.T) {
	a, b, c := newLM(t, 1), newLM(t, 1), newLM(t, 2)
	defer a.Free()
	defer b.Free()
	defer c.Free()
	if lmHash(t, a) != lmHash(t, b) || lmHash(t, a) == lmHash(t, c) {
		t.Fatal("initial weights are not a function of the seed")
	}
	tied := lmShape()
	tied.TieEmbeddings = true
	if _, err := NewLlama(tied, 1, gotch.CPU); err == nil {
		t.Fatal("tied embeddings accepted")
	}
	if _, err := NewTrainer(nil, nil, Defaults(StageLM)); err == nil {
		t.Fatal("NewTrainer ran stage lm on a CoLA")
	}
}

// pretrainFiles writes what Pretrain reads: a byte tokenizer, counting text, a shape.
func pretrainFiles(t *testing.T) LMSetup {
	dir := t.TempDir()
	var docs []string
	for i := range 300 {
		docs = append(docs, fmt.Sprintf("count %d %d %d %d %d\n", i%50, i%50+1, i%50+2, i%50+3, i%50+4))
	}
	tok, merges, err := tokenizer.TrainBPE(docs, 258)
	if err != nil {
		t.Fatal(err)
	}
	s := LMSetup{Shape: filepath.Join(dir, "config.json"), Tokenizer: filepath.Join(dir, "tokenizer.json"),
		Data: filepath.Join(dir, "data.txt"), Seq: 32, InitSeed: 3, Device: gotch.CPU}
	if err := tokenizer.WriteHFJSON(s.Tokenizer, tok, merges); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Data, []byte(strings.Join(docs, "\n\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	shape := `{"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
		"num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 10000, "rms_norm_eps": 1e-5}`
	if err := os.WriteFile(s.Shape, []byte(shape), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPretrainSavesAndContinues(t *testing.T) {
	s := pretrainFiles(t)
	cfg := Defaults(StageLM)
	cfg.Steps, cfg.Batch, cfg.Warmup, cfg.LR = 30, 8, 2, 1e-2
	out := t.TempDir()
	m, err := Pretrain(context.Background(), nil, s, cfg, run.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(filepath.Join(out, "model"), checkpoint.SaveOptions{DType: safetensors.F32}); err != nil {
		t.Fatal(err)
	}
	trained := lmValues(m.Llama)
	m.Free()
	first := func(s LMSetup) float64 {
		cfg := cfg
		cfg.Steps, cfg.LR, cfg.MinLR = 1, 1e-9, 1e-9
		out := t.TempDir()
		m, err := Pretrain(context.Background(), nil, s, cfg, run.Options{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Free()
		if s.From != "" {
			for i, v := range lmValues(m.Llama) {
				if d := v - trained[i]; d > 1e-6 || d < -1e-6 {
					t.Fatalf("continued weight %d is %g, the saved model's %g", i, v, trained[i])
				}
			}
		}
		lines, err := run.ReadMetrics(filepath.Join(out, "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return lines[0]["loss"].(float64)
	}
	fresh := first(s)
	s.From = filepath.Join(out, "model")
	if cont := first(s); !(cont < 0.7*fresh) {
		t.Fatalf("first loss continuing %.3f, from fresh weights %.3f", cont, fresh)
	}
	bad := pretrainFiles(t)
	os.WriteFile(bad.Shape, []byte(`{"hidden_size": 64, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64}`), 0o644)
	bad.From = s.From
	if _, err := Pretrain(context.Background(), nil, bad, cfg, run.Options{}); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("a model of another shape continued: %v", err)
	}
}
