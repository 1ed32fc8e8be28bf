// Package torch is the script API's engine: it loads checkpoints with model/checkpoint and
// decodes with engine/generate. Importing it (for its side effect) registers it with
// colash/stdlib/backend.
package torch

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/stdlib/backend"
)

func init() { backend.Register(&Runtime{}) }

// Runtime is the gotch-backed backend.Runtime.
type Runtime struct {
	once    sync.Once
	threads int // 0: not set yet
}

// setup applies the default thread count before the first tensor operation.
func (r *Runtime) setup() {
	r.once.Do(func() {
		if r.threads == 0 {
			tensor.SetThreads(0)
			r.threads = runtime.NumCPU()
		}
	})
}

func (r *Runtime) Load(path string, opt backend.LoadOptions) (backend.Model, error) {
	r.setup()
	dev, err := tensor.ParseDevice(opt.Device)
	if opt.Device == "" {
		dev, err = tensor.ParseDevice("cpu")
	}
	if err != nil {
		return nil, err
	}
	dt, err := tensor.ParseDType(opt.DType)
	if err != nil {
		return nil, err
	}
	copt := checkpoint.Options{Device: dev, DType: dt, Tokenizer: opt.Tokenizer}
	if cola.IsCoLA(path) {
		return r.loadCoLA(path, copt)
	}
	l, err := checkpoint.LoadLlama(path, copt)
	if err != nil {
		return nil, err
	}
	return &Llama{l: l}, nil
}

func (r *Runtime) Device() string { return "cpu" }

func (r *Runtime) SetThreads(n int) {
	tensor.SetThreads(n)
	r.once.Do(func() {})
	r.threads = tensor.Threads()
}

func (r *Runtime) Threads() int {
	if r.threads == 0 {
		return runtime.NumCPU() // libtorch is not touched until a model is loaded
	}
	return tensor.Threads()
}

// Llama is a loaded checkpoint.Llama.
type Llama struct {
	mu sync.Mutex // one forward pass at a time
	l  *checkpoint.Llama
}

func (m *Llama) Info() backend.Info {
	c := m.l.Config
	return backend.Info{
		Path: m.l.Path, Kind: "llama", Device: tensor.DeviceName(m.l.Device), DType: tensor.DTypeName(m.l.DType),
		Dim: c.Dim, Layers: c.Layers, Heads: c.Heads, KVHeads: c.KVHeads, FFN: c.FFN, Vocab: c.Vocab,
		Params: m.l.NumParams(),
	}
}

func (m *Llama) Encode(text string, bos bool) []int {
	return m.l.Tok.Encode(text, tokenizer.EncodeOptions{BOS: bos})
}

func (m *Llama) Decode(ids []int) string { return m.l.Tok.Decode(ids) }

func (m *Llama) Piece(id int) string {
	b := m.l.Tok.TokenBytes(id)
	if b == nil {
		return ""
	}
	return string(b)
}

func (m *Llama) Generate(ctx context.Context, prompt []int, s backend.Sampling, onText func(string)) ([]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(prompt) == 0 {
		return nil, fmt.Errorf("generate: empty prompt")
	}
	sess := generate.NewLlamaSession(m.l.Model, len(prompt)+s.N, false)
	defer sess.Close()
	return generate.Continue(ctx, sess, m.l.Tok, prompt, options(s), onText)
}

// options maps the script API's sampling onto the engine's.
func options(s backend.Sampling) generate.Options {
	return generate.Options{MaxTokens: s.N,
		Sampling: generate.Sampling{Temperature: s.Temperature, TopK: s.TopK, TopP: s.TopP, Seed: s.Seed}}
}

func (m *Llama) Logits(ctx context.Context, ids []int) ([][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("logits: no tokens")
	}
	tok := make([]int64, len(ids))
	for i, id := range ids {
		tok[i] = int64(id)
	}
	T := len(ids)
	x := tensor.FromInt64s(tok, []int64{1, int64(T)}, m.l.Device)
	defer x.MustDrop()
	h, err := m.l.Hidden(x, &llama.Batch{Pad: []int{0}}, nil) // [1,T,d]
	if err != nil {
		return nil, err
	}
	defer h.MustDrop()
	var flat []float32
	err = tensor.Guard(func() {
		lg := m.l.Logits(h) // [1,T,V]
		defer lg.MustDrop()
		flat = tensor.Float32s(lg)
	})
	if err != nil {
		return nil, err
	}
	return generate.Rows(flat, T), nil
}

func (m *Llama) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.l != nil {
		m.l.Free()
	}
}
