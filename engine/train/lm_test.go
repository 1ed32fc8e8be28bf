package train

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/llama"
	"colash/model/tensor"
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
