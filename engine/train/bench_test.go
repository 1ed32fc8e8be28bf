package train

import (
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// benchStage trains the tiny CoLA (stories260K, 64 codes, 2/2/2 layers as shipped) and reports
// training tokens per second: batch 16 x 128 tokens per update, as docs/training.md runs it.
func benchStage(b *testing.B, stage Stage) {
	c := tinyCoLAMods(b, 1, cola.Modules{Codes: 64, ActionLayers: 2, DynaLayers: 2, PolicyLayers: 2})
	defer c.Free()
	seqs := sampledCorpus(b, c)
	// Longer sequences: re-pack the corpus at 128 tokens.
	var docs []Doc
	for _, s := range seqs {
		d := Doc{}
		for i, v := range s.Tokens {
			d.Tokens, d.Loss = append(d.Tokens, int(v)), append(d.Loss, s.Loss[i] || i == 0)
		}
		docs = append(docs, d)
	}
	seqs = Pack(docs, 128)
	data, _ := NewLoader(seqs, 1)
	cfg := Defaults(stage)
	cfg.Steps, cfg.Batch, cfg.Warmup = b.N+1, 16, 0
	tr, err := NewTrainer(c.CoLA, data, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Free()
	if _, err := tr.TrainStep(); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*16*128)/time.Since(start).Seconds(), "tok/s")
}

func BenchmarkStage1Tiny(b *testing.B) { benchStage(b, StageIDM) }
func BenchmarkBCTiny(b *testing.B)     { benchStage(b, StageBC) }

// BenchmarkBlock8B is one forward + backward of a single Llama-3.1-8B-shaped decoder block
// (d 4096, ffn 14336, 32/8 heads) with random trainable weights, at batch 1 x 128 tokens:
// the unit from which docs/training.md extrapolates the cost of CoLA's training stages.
func BenchmarkBlock8B(b *testing.B) {
	threadsOnce.Do(func() { tensor.SetThreads(2) })
	cfg := &llama.Config{Dim: 4096, FFN: 14336, Layers: 1, Heads: 32, KVHeads: 8, Vocab: 128256,
		NormEps: 1e-5, RopeTheta: 500000, MaxPositions: 8192}
	blk := &llama.Block{}
	var leaves []*ts.Tensor
	dims := cfg.Dims()
	err := tensor.Guard(func() {
		for _, p := range weights.Walk(blk) {
			shape, err := dims.Resolve(p)
			if err != nil {
				panic(err)
			}
			w := ts.MustRandn(shape, gotch.Float, gotch.CPU).MustMulScalar(tensor.Scalar(0.02), true)
			w.MustSetRequiresGrad(true, false).MustDrop()
			*p.Ptr = w
			leaves = append(leaves, w)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer tensor.Drop(leaves...)
	rope := llama.NewRope(cfg, gotch.CPU, gotch.Float)
	defer rope.Free()
	const B, T = 1, 128
	x := ts.MustRandn([]int64{B, T, int64(cfg.Dim)}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	step := func() {
		if err := tensor.Guard(func() {
			s := &tensor.Scope{}
			defer s.Close()
			batch := &llama.Batch{Pad: make([]int, B)}
			att := batch.Attention(rope, T, s)
			y := blk.Forward(cfg, x, att, nil, s)
			loss := s.T(s.T(y.MustSquare(false)).MustMean(gotch.Float, false))
			if err := loss.Backward(); err != nil {
				panic(err)
			}
			for _, w := range leaves {
				g := w.MustGrad(false)
				g.MustZero_()
				g.MustDrop()
			}
		}); err != nil {
			b.Fatal(err)
		}
	}
	step()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		step()
	}
	el := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(el*1000, "ms/step")
	b.ReportMetric(float64(B*T)/el, "tok/s")
	// 6 x params x tokens: forward (2) + backward (4).
	b.ReportMetric(6*218.1e6*B*T/el/1e9, "GFLOP/s")
}
