// Package torch is the script API's engine: it loads checkpoints with model/checkpoint and
// decodes with engine/generate. Importing it (for its side effect) registers it with
// colash/stdlib/backend.
package torch

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/engine/inspect"
	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/stdlib/backend"
)

func init() { backend.Register(&Runtime{dev: gotch.CPU, dt: gotch.Float}) }

// Runtime is the gotch-backed backend.Runtime.
type Runtime struct {
	mu      sync.Mutex
	once    sync.Once
	threads int // 0: not set yet
	dev     gotch.Device
	dt      gotch.DType
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

func (r *Runtime) SetDefaults(device, dtype string) error {
	dev, err := tensor.ParseDevice(device)
	if err != nil {
		return err
	}
	dt, err := tensor.ParseDType(dtype)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.dev, r.dt = dev, dt
	r.mu.Unlock()
	return nil
}

func (r *Runtime) Defaults() (device, dtype string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return tensor.DeviceName(r.dev), tensor.DTypeShort(r.dt)
}

func (r *Runtime) Load(path string, opt backend.LoadOptions) (backend.Model, error) {
	if opt.Threads > 0 {
		r.SetThreads(opt.Threads)
	}
	r.setup()
	r.mu.Lock()
	copt := checkpoint.Options{Device: r.dev, DType: r.dt, Tokenizer: opt.Tokenizer, NoMmap: opt.NoMmap}
	r.mu.Unlock()
	var err error
	if opt.Device != "" {
		if copt.Device, err = tensor.ParseDevice(opt.Device); err != nil {
			return nil, err
		}
	}
	if opt.DType != "" {
		if copt.DType, err = tensor.ParseDType(opt.DType); err != nil {
			return nil, err
		}
	}
	m, err := checkpoint.Open(path, copt)
	if err != nil {
		return nil, err
	}
	face, ok := faces[m.Kind()]
	if !ok {
		m.Free()
		return nil, fmt.Errorf("%s: scripts cannot use a %s model", path, m.Kind())
	}
	return face(m), nil
}

// faces give each kind of checkpoint (checkpoint.Model.Kind) the script API's type for it.
var faces = map[string]func(*checkpoint.Model) backend.Model{
	checkpoint.KindLlama: func(m *checkpoint.Model) backend.Model { return &Llama{m: m} },
	checkpoint.KindCoLA:  func(m *checkpoint.Model) backend.Model { return &CoLA{Llama{m: m}} },
}

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

// Llama is a loaded plain Llama (and the base of CoLA).
type Llama struct {
	mu sync.Mutex // one forward pass at a time
	m  *checkpoint.Model
}

func (m *Llama) Info() backend.Info {
	c := m.m.Llama.Config
	return backend.Info{
		Path: m.m.Path, Kind: m.m.Kind(), Device: tensor.DeviceName(m.m.Device()), DType: tensor.DTypeName(m.m.DType()),
		Dim: c.Dim, Layers: c.Layers, Heads: c.Heads, KVHeads: c.KVHeads, FFN: c.FFN, Vocab: c.Vocab,
		Params: m.m.NumParams(),
	}
}

func (m *Llama) Encode(text string, bos bool) []int {
	return m.m.Tok.Encode(text, tokenizer.EncodeOptions{BOS: bos})
}

func (m *Llama) Decode(ids []int) string { return m.m.Tok.Decode(ids) }

func (m *Llama) Piece(id int) string {
	b := m.m.Tok.TokenBytes(id)
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
	sess := generate.NewLlamaSession(m.m.Llama, len(prompt)+s.N, false)
	defer sess.Close()
	return generate.Continue(ctx, sess, m.m.Tok, prompt, options(s), onText)
}

// options maps the script API's sampling onto the engine's.
func options(s backend.Sampling) generate.Options {
	return generate.Options{MaxTokens: s.N,
		Sampling: generate.Sampling{Temperature: s.Temperature, TopK: s.TopK, TopP: s.TopP, Seed: s.Seed}}
}

func (m *Llama) Logits(ctx context.Context, ids []int) ([][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.logits(ctx, ids)
}

// logits runs ids through the backbone (the model locked).
func (m *Llama) logits(ctx context.Context, ids []int) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := inspect.Text(m.m, ids, nil, inspect.Logits)
	if err != nil {
		return nil, err
	}
	return out.Logits, nil
}

func (m *Llama) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m != nil {
		m.m.Free()
		m.m = nil
	}
}
