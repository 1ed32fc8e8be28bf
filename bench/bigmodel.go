package bench

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/weights"

	"github.com/sugarme/gotch"
)

// BigConfig is the memory-bound benchmark shape: a Llama with d=1024, 8 layers, 16 query and 4
// key/value heads and vocabulary 32000 (155M weights, 623 MB in float32).
func BigConfig() *llama.Config {
	return &llama.Config{ModelType: "llama", Dim: 1024, FFN: 2816, Layers: 8, Heads: 16, KVHeads: 4,
		Vocab: 32000, NormEps: 1e-5, RopeTheta: 10000, MaxPositions: 2048, BOS: 1, EOS: llama.IDs{2}}
}

// WriteRandomLlama writes a Hugging Face folder (config.json, model.safetensors) for cfg into dir,
// its weights uniform in [-0.02, 0.02) (norm weights 1) from seed, stored as dt. Each tensor is
// generated as it is written, so at most one is in memory. It returns the weight bytes written.
func WriteRandomLlama(dir string, cfg *llama.Config, dt safetensors.DType, seed uint64) (int64, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		return 0, err
	}
	m := &llama.Model{Layers: llama.NewBlocks(cfg.Layers)}
	dims := cfg.Dims()
	var srcs []safetensors.TensorSource
	var total int64
	for i, p := range weights.Walk(m) {
		if p.Tied != "" && cfg.TieEmbeddings {
			continue
		}
		shape, err := dims.Resolve(p)
		if err != nil {
			return 0, err
		}
		n, ints := int64(1), make([]int, len(shape))
		for j, d := range shape {
			n, ints[j] = n*d, int(d)
		}
		total += n * int64(dt.Size())
		ones := p.Init == "ones"
		srcs = append(srcs, safetensors.TensorSource{Name: p.Name, DType: dt, Shape: ints, Bytes: func() ([]byte, error) {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			v := make([]float32, n)
			for k := range v {
				if v[k] = 1; !ones {
					v[k] = 0.04*rng.Float32() - 0.02
				}
			}
			return safetensors.EncodeFloat32(v, dt)
		}})
	}
	return total, safetensors.WriteSources(filepath.Join(dir, safetensors.SingleFileName), srcs, nil)
}

// openBigModel writes the BigConfig model in float32 into a new temporary folder and loads it on
// the CPU. remove deletes the folder; call it once the model is freed.
func openBigModel() (m *llama.Model, dir string, remove func(), err error) {
	dir, err = os.MkdirTemp("", "colash-bench-big-")
	if err != nil {
		return nil, "", nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	if _, err = WriteRandomLlama(dir, BigConfig(), safetensors.F32, 1); err == nil {
		m, err = checkpoint.OpenLlama(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	}
	if err != nil {
		remove()
		return nil, "", nil, err
	}
	return m, dir, remove, nil
}
