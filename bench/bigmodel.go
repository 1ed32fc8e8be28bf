package bench

import (
	"os"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/shapes"

	"github.com/sugarme/gotch"
)

// BigConfig is the memory-bound benchmark shape: a Llama with d=1024, 8 layers, 16 query and 4
// key/value heads and vocabulary 32000 (155M weights, 623 MB in float32).
func BigConfig() *llama.Config {
	return &llama.Config{ModelType: "llama", Dim: 1024, FFN: 2816, Layers: 8, Heads: 16, KVHeads: 4,
		Vocab: 32000, NormEps: 1e-5, RopeTheta: 10000, MaxPositions: 2048, BOS: 1, EOS: llama.IDs{2}}
}

// WriteRandomLlama writes a Hugging Face folder (config.json, model.safetensors) for cfg into dir,
// its weights random from seed, stored as dt (shapes.WriteRandomLlama). It returns the weight
// bytes written.
func WriteRandomLlama(dir string, cfg *llama.Config, dt safetensors.DType, seed uint64) (int64, error) {
	return shapes.WriteRandomLlama(dir, cfg, dt, seed)
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
