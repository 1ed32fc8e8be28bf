package llama_test

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/llama"
	"colash/model/nn"
	"colash/model/weights"
)

// randomModel is a small Llama with seeded weights, fused as a loaded one is.
func randomModel(t *testing.T) *llama.Model {
	cfg := &llama.Config{ModelType: "llama", Dim: 256, FFN: 512, Layers: 2, Heads: 8, KVHeads: 2,
		Vocab: 1000, NormEps: 1e-5, RopeTheta: 10000, MaxPositions: 64, BOS: 1, EOS: llama.IDs{2}}
	m, err := llama.New(cfg, gotch.CPU, gotch.Float)
	if err != nil {
		t.Fatal(err)
	}
	if err := weights.Init(m, cfg.Dims(), 3, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	for _, b := range m.Layers {
		b.Fuse()
	}
	t.Cleanup(m.Free)
	return m
}

// The batch-1 fast path (matrix-vector products) computes what the linear layers compute.
func TestMatVecMatchesTheReference(t *testing.T) {
	m := randomModel(t)
	defer func() { nn.MatVec = true }()
	nn.MatVec = false
	ids := []int64{1, 17, 400, 100, 137, 174, 211}
	ref := decodeLogits(t, m, ids)
	nn.MatVec = true
	fast := decodeLogits(t, m, ids)
	worst, scale := 0.0, 0.0
	for i := range ref {
		worst = math.Max(worst, math.Abs(float64(ref[i]-fast[i])))
		scale = math.Max(scale, math.Abs(float64(ref[i])))
	}
	t.Logf("max |logit difference| %.2g (logits up to %.2g)", worst, scale)
	if worst > 1e-5 || scale < 0.1 {
		t.Errorf("fast path differs from the reference by %.2g (logits up to %.2g)", worst, scale)
	}
}
