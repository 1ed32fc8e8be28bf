package train

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/train/optim"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// Pretraining (StageLM): every weight of a plain Llama on next-token cross-entropy over packed
// sequences, with the same trainer as CoLA's stages (AdamW, warmup + cosine, clipping,
// accumulation, exact resume, data-parallel ranks).

// lmDefaults are nanoGPT's small-model settings: lr 1e-3 -> 1e-4, warmup 100, AdamW β2 0.95,
// weight decay 0.1 on matrices only, clip 1.
func lmDefaults() Config {
	return Config{Stage: StageLM, Steps: 2000, Batch: 32, Accum: 1, LR: 1e-3, MinLR: 1e-4, Warmup: 100,
		WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.95, Clip: 1}
}

// NewLlama is a Llama of shape cfg with fresh weights drawn from seed (weights.Init: a tensor's
// values depend only on the seed and its name), float32 on dev, ready to pretrain.
func NewLlama(cfg *llama.Config, seed uint64, dev gotch.Device) (*llama.Model, error) {
	if cfg.TieEmbeddings {
		return nil, fmt.Errorf("train lm: tie_word_embeddings is not supported for pretraining (set it false)")
	}
	m, err := llama.New(cfg, dev, gotch.Float)
	if err != nil {
		return nil, err
	}
	dims := cfg.Dims()
	dims["layers"] = int64(cfg.Layers)
	if err := weights.Init(m, dims, seed, dev, gotch.Float); err != nil {
		return nil, err
	}
	return m, nil
}

// NewLMTrainer prepares pretraining of net: all its weights train (norm weights without decay).
func NewLMTrainer(net *llama.Model, data *Loader, cfg Config) (*Trainer, error) {
	if cfg.Stage != StageLM {
		return nil, fmt.Errorf("train: NewLMTrainer runs stage lm, not %s", cfg.Stage)
	}
	return newTrainer(nil, net, data, cfg)
}

// lmTrainable lists every weight of net once (a tied head shares the embedding's entry).
func lmTrainable(net *llama.Model) []optim.Param {
	all := func(string) bool { return true }
	return selectParams(weights.Walk(net), all, func(name string) bool { return strings.Contains(name, "norm") })
}

// lmLoss is the mean next-token cross-entropy of this rank's rows of p under the backbone.
func (t *Trainer) lmLoss(p part, r *microResult, s *tensor.Scope) *ts.Tensor {
	seqs := p.mine()
	x, tgt, mask, n := batchTensors(seqs, t.Net.Device, s)
	r.n = n
	batch := &llama.Batch{Pad: make([]int, len(seqs))}
	h := own(s)(t.Net.Hidden(x, batch, nil))          // [B,T,d]
	logits := s.T(t.Net.Logits(head(h, s)))           // [B,T-1,V]
	ce := maskedMean(nll(logits, tgt, s), mask, n, s) // scalar
	r.loss, r.ce = scalar(ce), scalar(ce)
	return ce
}
