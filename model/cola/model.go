package cola

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/llama"
	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/weights"
)

// Model is a CoLA model: the frozen Llama backbone and the CoLA modules, named as in the
// released checkpoint. weights.Walk(m) lists the CoLA modules only (the backbone is walked on its
// own); Params lists all of them in checkpoint order.
type Model struct {
	*llama.Model         // backbone: h = final_norm(Llama(x)); its norm and lm_head also serve the world model
	Config       *Config // shares its llama.Config with the backbone

	// Inverse dynamics model: blocks over h, then norm and head to code logits.
	ActionLayers []*llama.Block `st:"model.action_layers"`
	ActionNorm   nn.RMSNorm     `st:"model.action_norm.weight" shape:"d" init:"ones"`
	ActionHead   nn.Linear      `st:"model.action_head.weight" shape:"C,d"`
	// Codebook: nn.Linear(C -> d) applied to a one-hot, so code k embeds as column k.
	CodeBook nn.Linear `st:"model.action_code_book.weight" shape:"d,C"`
	// World model: residual SwiGLU MLPs (LlamaMergeMLP) over [s; e], hence input width 2d.
	Merge []*nn.SwiGLU `st:"model.action_merge_layers" dims:"in=d2"`
	// Policy: blocks over h, then norm and head to code logits.
	Policy `st:""`
}

// Policy is the latent policy's weights: blocks over h, then norm and head to code logits. It is
// its own type so that it can be cloned (RL's frozen reference) and replaced (NewPolicy) whole.
type Policy struct {
	PolicyLayers []*llama.Block `st:"model.policy_layers"`
	PolicyNorm   nn.RMSNorm     `st:"model.policy_norm.weight" shape:"d" init:"ones"`
	PolicyHead   nn.Linear      `st:"model.policy_head.weight" shape:"C,d"`
}

// New makes a CoLA model with layer lists sized from cfg and no weights yet.
func New(cfg *Config, dev gotch.Device, dt gotch.DType) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bb, err := llama.New(&cfg.Config, dev, dt)
	if err != nil {
		return nil, err
	}
	return newModel(cfg, bb), nil
}

// Wrap puts a loaded backbone into empty CoLA modules of the given sizes (see InitModules).
// The backbone's config becomes part of the CoLA config.
func Wrap(bb *llama.Model, mod Modules) (*Model, error) {
	cfg := NewConfig(*bb.Config, mod)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bb.Config = &cfg.Config
	return newModel(cfg, bb), nil
}

func newModel(cfg *Config, bb *llama.Model) *Model {
	m := &Model{Model: bb, Config: cfg,
		ActionLayers: llama.NewBlocks(cfg.NumActionLayer),
		Merge:        make([]*nn.SwiGLU, cfg.NumDynaLayer),
		Policy:       Policy{PolicyLayers: llama.NewBlocks(cfg.NumPolicyLayer)}}
	for i := range m.Merge {
		m.Merge[i] = &nn.SwiGLU{}
	}
	return m
}

// Backbone returns the Llama backbone.
func (m *Model) Backbone() *llama.Model { return m.Model }

// Params lists every weight, backbone first, with checkpoint names (410 for the released model).
func (m *Model) Params() []weights.Param {
	return append(weights.Walk(m.Model), weights.Walk(m)...)
}

// IsModuleTensor reports whether a checkpoint tensor belongs to a CoLA module (not the backbone).
func IsModuleTensor(name string) bool {
	return strings.HasPrefix(name, "model.action_") || strings.HasPrefix(name, "model.policy_")
}

// LoadWeights fills backbone and modules from one source, strictly: every weight present with its
// shape and every tensor of src used. A failure names the tensors and leaves nothing allocated.
func (m *Model) LoadWeights(src weights.Source) error {
	dims := m.Config.Dims()
	errBB := weights.Load(m.Model, filter(src, false), dims, m.Device, m.DType)
	errMod := weights.Load(m, filter(src, true), dims, m.Device, m.DType)
	if errBB == nil && errMod == nil {
		return nil
	}
	weights.Free(m.Model)
	weights.Free(m)
	var errs []error
	if errBB != nil {
		errs = append(errs, fmt.Errorf("backbone: %w", errBB))
	}
	if errMod != nil {
		errs = append(errs, fmt.Errorf("CoLA modules: %w", errMod))
	}
	return errors.Join(errs...)
}

// InitModules gives the CoLA modules fresh seeded weights (GPT-NeoX-style, see weights.Init).
func (m *Model) InitModules(seed uint64) error {
	weights.Free(m)
	return weights.Init(m, m.Config.Dims(), seed, m.Device, m.DType)
}

// NewPolicy replaces the policy with a fresh one of the given depth, initialised from seed as
// InitModules would: to clone a policy of another size onto the codes of a trained IDM (stage 1b).
func (m *Model) NewPolicy(layers int, seed uint64) error {
	if layers <= 0 {
		return fmt.Errorf("policy layers must be positive")
	}
	p := &Policy{PolicyLayers: llama.NewBlocks(layers)}
	if err := weights.Init(p, m.Config.Dims(), seed, m.Device, m.DType); err != nil {
		return err
	}
	weights.Free(&m.Policy)
	m.Policy = *p
	m.Config.NumPolicyLayer = layers
	return nil
}

// Free releases backbone and modules.
func (m *Model) Free() {
	weights.Free(m)
	m.Model.Free()
}

// filtered shows the CoLA-module tensors of a source (modules) or the others (!modules).
type filtered struct {
	src     weights.Source
	modules bool
}

func (f filtered) Names() []string {
	var out []string
	for _, n := range f.src.Names() {
		if IsModuleTensor(n) == f.modules {
			out = append(out, n)
		}
	}
	return out
}

func (f filtered) Shape(name string) ([]int64, bool) {
	if IsModuleTensor(name) != f.modules {
		return nil, false
	}
	return f.src.Shape(name)
}

func (f filtered) Read(name string) ([]byte, string, error) { return f.src.Read(name) }

// filter is filtered{src, modules}, reading straight into tensor storage when src can
// (weights.Direct) and mapping where src maps (weights.Mapper): the modules of a CoLA checkpoint
// load as the backbone does.
func filter(src weights.Source, modules bool) weights.Source {
	if m, ok := src.(weights.Mapper); ok {
		return filteredMapper{filteredDirect{filtered{src, modules}, m}, m}
	}
	if d, ok := src.(weights.Direct); ok {
		return filteredDirect{filtered{src, modules}, d}
	}
	return filtered{src, modules}
}

type filteredDirect struct {
	filtered
	d weights.Direct
}

func (f filteredDirect) StoredDType(name string) (string, bool) {
	if IsModuleTensor(name) != f.modules {
		return "", false
	}
	return f.d.StoredDType(name)
}

func (f filteredDirect) ReadInto(name string, dst []byte) error { return f.d.ReadInto(name, dst) }

type filteredMapper struct {
	filteredDirect
	m weights.Mapper
}

func (f filteredMapper) Mappable(name string) bool {
	return IsModuleTensor(name) == f.modules && f.m.Mappable(name)
}

func (f filteredMapper) Map(name string, shape []int64) (*ts.Tensor, error) {
	return f.m.Map(name, shape)
}

// NumParams counts the weights of backbone and modules.
func (m *Model) NumParams() int64 { return weights.Count(m.Params()) }

func (m *Model) String() string {
	c := m.Config
	return fmt.Sprintf("cola d=%d layers=%d heads=%d/%d ffn=%d vocab=%d codes=%d idm=%d merge=%d policy=%d params=%d %s %s",
		c.Dim, c.Layers, c.Heads, c.KVHeads, c.FFN, c.Vocab, c.NumCode, c.NumActionLayer, c.NumDynaLayer,
		c.NumPolicyLayer, m.NumParams(), tensor.DTypeName(m.DType), tensor.DeviceName(m.Device))
}

// Caches are the two KV caches of a CoLA decode ("main" for the backbone, "policy" for the
// policy blocks); both follow one llama.Batch.
type Caches struct {
	Main, Policy *llama.KVCache
}

// NewCaches makes empty caches for B sequences of up to capacity tokens.
func (m *Model) NewCaches(B, capacity int) *Caches {
	c := m.Config
	return &Caches{
		Main:   m.Model.NewCache(B, capacity),
		Policy: llama.NewKVCache(c.NumPolicyLayer, B, c.KVHeads, c.HeadDim(), capacity, m.Device, m.DType),
	}
}

// Free releases both caches.
func (c *Caches) Free() {
	if c == nil {
		return
	}
	if c.Main != nil {
		c.Main.Free()
	}
	if c.Policy != nil {
		c.Policy.Free()
	}
	c.Main, c.Policy = nil, nil
}
