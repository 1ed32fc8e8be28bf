package generate_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// Decode benchmarks: per-token cost of a plain Llama decode and of a CoLA decode (backbone step,
// policy step, code choice, world model) over the same backbone weights, at batch 1 and 32.
//
//	go test -run '^$' -bench 'Decode$' ./engine/generate/
//	COLASH_BENCH_8B=1 go test -run '^$' -bench 'Decode$' -benchtime 4x ./engine/generate/
//
// The second adds an 8B-shaped model (d=4096, ff=14336, 32/8 heads, vocab 32000) with random
// weights, cut to 1 and 2 backbone layers and 1 policy block to fit in memory (about 6 GB f32).

type benchModel struct {
	name string
	m    *cola.Model
}

var benchCache = map[string]*cola.Model{}

func benchModels(b *testing.B) []benchModel {
	if benchCache["stories260K"] == nil {
		m, err := newTinyCoLA(cola.Released) // kept for the whole run
		if err != nil {
			b.Fatal(err)
		}
		benchCache["stories260K"] = m
	}
	out := []benchModel{{"stories260K", benchCache["stories260K"]}}
	if os.Getenv("COLASH_BENCH_8B") != "" {
		if benchCache["8B-shaped"] == nil {
			benchCache["8B-shaped"] = randomCoLA(b, 2, 1)
		}
		out = append(out, benchModel{"8B-shaped", benchCache["8B-shaped"]})
	}
	return out
}

// randomCoLA is an 8B-shaped CoLA with `layers` backbone blocks and random weights (libtorch's
// generator: only the cost matters). The IDM, unused in decoding, gets no weights.
func randomCoLA(b *testing.B, layers, policy int) *cola.Model {
	bb := llama.Config{ModelType: "llama", Dim: 4096, FFN: 14336, Layers: layers, Heads: 32, KVHeads: 8,
		Vocab: 32000, NormEps: 1e-5, RopeTheta: 500000, TieEmbeddings: true}
	m, err := cola.New(cola.NewConfig(bb, cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 2, PolicyLayers: policy}),
		gotch.CPU, gotch.Float)
	if err != nil {
		b.Fatal(err)
	}
	dims := m.Config.Dims()
	for _, p := range m.Params() {
		if p.Tied != "" || len(p.Name) > 20 && p.Name[:20] == "model.action_layers." {
			continue
		}
		shape, err := dims.Resolve(p)
		if err != nil {
			b.Fatal(err)
		}
		*p.Ptr = ts.MustRandn(shape, gotch.Float, gotch.CPU).MustMulScalar(tensor.Scalar(0.02), true)
	}
	m.LMHead.W = m.Embed.W
	return m
}

// shallow is the backbone cut to its first n layers (sharing the weights).
func shallow(m *llama.Model, n int) *llama.Model {
	cp := *m
	cfg := *m.Config
	cfg.Layers = n
	cp.Config, cp.Layers = &cfg, m.Layers[:n]
	return &cp
}

const benchPrompt, benchRestart = 8, 64

// benchDecode times Step calls of sessions made by newSess, restarting every benchRestart steps so
// the context stays short, and reports the time per generated token.
func benchDecode(b *testing.B, B int, newSess func() generate.Session) {
	tokens := make([]int64, B*benchPrompt)
	pad := make([]int, B)
	for i := range tokens {
		tokens[i] = int64(1 + (i*37)%300)
	}
	next := make([]int64, B)
	var sess generate.Session
	start := func() {
		if sess != nil {
			sess.Close()
		}
		sess = newSess()
		if _, err := sess.Prefill(tokens, B, benchPrompt, pad); err != nil {
			b.Fatal(err)
		}
	}
	start()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%benchRestart == 0 {
			b.StopTimer()
			start()
			b.StartTimer()
		}
		for j := range next {
			next[j] = int64(1 + (i*13+j)%300)
		}
		if _, err := sess.Step(next); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sess.Close()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*B), "ns/token")
}

func BenchmarkLlamaDecode(b *testing.B) {
	for _, bm := range benchModels(b) {
		for _, B := range []int{1, 32} {
			layers := []int{bm.m.Config.Layers}
			if bm.name == "8B-shaped" {
				layers = []int{1, 2}
			}
			for _, L := range layers {
				bb := shallow(bm.m.Model, L)
				b.Run(fmt.Sprintf("%s/L=%d/B=%d", bm.name, L, B), func(b *testing.B) {
					benchDecode(b, B, func() generate.Session {
						return generate.NewLlamaSession(bb, benchPrompt+benchRestart+1, false)
					})
				})
			}
		}
	}
}

func BenchmarkCoLADecode(b *testing.B) {
	for _, bm := range benchModels(b) {
		for _, B := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/L=%d/P=%d/B=%d", bm.name, bm.m.Config.Layers, bm.m.Config.NumPolicyLayer, B), func(b *testing.B) {
				benchDecode(b, B, func() generate.Session {
					return generate.NewCoLASession(bm.m, benchPrompt+benchRestart+1, generate.PaperLatent)
				})
			})
		}
	}
}

// BenchmarkCoLAParts times the pieces of one decode step of the 8B-shaped model, to extrapolate
// the cost ratio to the full 32-layer backbone: one decoder block (policy block, with its cache),
// the world model (merge MLPs + final norm + lm_head), and lm_head alone.
func BenchmarkCoLAParts(b *testing.B) {
	if os.Getenv("COLASH_BENCH_8B") == "" {
		b.Skip("set COLASH_BENCH_8B=1 (about 6 GB)")
	}
	bm := benchModels(b)[1]
	m := bm.m
	for _, B := range []int{1, 32} {
		h := ts.MustRandn([]int64{int64(B), 1, int64(m.Config.Dim)}, gotch.Float, gotch.CPU)
		codes := tensor.FromInt64s(make([]int64, B), []int64{int64(B), 1}, gotch.CPU)
		b.Run(fmt.Sprintf("block/B=%d", B), func(b *testing.B) {
			cache := llama.NewKVCache(1, B, m.Config.KVHeads, m.Config.HeadDim(), 16, gotch.CPU, gotch.Float)
			defer cache.Free()
			for i := 0; i < b.N; i++ {
				batch := &llama.Batch{Pad: make([]int, B), Len: 8}
				s := &tensor.Scope{}
				att := batch.Attention(m.Rope, 1, s)
				llama.RunBlocks(m.PolicyLayers[:1], &m.Config.Config, h, att, cache, s)
				s.Close()
			}
		})
		b.Run(fmt.Sprintf("world-model/B=%d", B), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lg, err := m.WorldModelLogits(h, codes)
				if err != nil {
					b.Fatal(err)
				}
				lg.MustDrop()
			}
		})
		b.Run(fmt.Sprintf("lm_head/B=%d", B), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m.Logits(h).MustDrop()
			}
		})
		tensor.Drop(h, codes)
	}
}
