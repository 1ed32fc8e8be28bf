package llama

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/weights"
)

// Model is a Llama decoder. Field tags name each weight as Hugging Face checkpoints do.
type Model struct {
	Config *Config
	Embed  nn.Embedding `st:"model.embed_tokens.weight" shape:"V,d"`
	Layers []*Block     `st:"model.layers"`
	Norm   nn.RMSNorm   `st:"model.norm.weight" shape:"d" init:"ones"`
	LMHead nn.Linear    `st:"lm_head.weight" shape:"V,d" tied:"model.embed_tokens.weight"`

	Device gotch.Device
	DType  gotch.DType
	Rope   *Rope
	Hooks  *hooks.Set // hook points of every forward pass (nil or empty: none); see HookNames
}

// New makes a model with its layer list sized from cfg and no weights yet.
func New(cfg *Config, dev gotch.Device, dt gotch.DType) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Layers: NewBlocks(cfg.Layers), Device: dev, DType: dt}
	m.Rope = NewRope(cfg, dev, dt)
	return m, nil
}

// NewBlocks makes n empty decoder blocks.
func NewBlocks(n int) []*Block {
	b := make([]*Block, n)
	for i := range b {
		b[i] = &Block{}
	}
	return b
}

// LoadWeights fills the model from src (strictly: see weights.Load).
// The backbone is frozen at inference, so its projections are fused for speed: the fused
// matrices are allocated first and the checkpoint is read into their rows. Weights that src
// maps stay views of the file instead, unfused (weights.Maps).
func (m *Model) LoadWeights(src weights.Source) error {
	if _, ok := src.Shape("lm_head.weight"); !ok && !m.Config.TieEmbeddings {
		return fmt.Errorf("tensor \"lm_head.weight\" is missing and config.json has tie_word_embeddings false")
	}
	err := tensor.Guard(func() {
		for i, b := range m.Layers {
			if !weights.Maps(src, fmt.Sprintf("model.layers.%d.self_attn.q_proj.weight", i), m.Device, m.DType) {
				b.allocFused(m.Config, m.Device, m.DType)
			}
		}
	})
	if err == nil {
		err = weights.Load(m, src, m.Config.Dims(), m.Device, m.DType)
	}
	if err != nil {
		for _, b := range m.Layers {
			b.freeFused()
		}
		weights.Free(m)
	}
	return err
}

// Free releases the model's tensors.
func (m *Model) Free() {
	for _, b := range m.Layers {
		b.freeFused()
	}
	weights.Free(m)
	m.Rope.Free()
}

// Hidden runs the decoder over tokens [B,T] (the next T slots of batch) and returns the
// post-final-norm hidden state h [B,T,d]. With a cache, keys and values are appended to it.
func (m *Model) Hidden(tokens *ts.Tensor, batch *Batch, cache *KVCache) (*ts.Tensor, error) {
	var out *ts.Tensor
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		sz := tokens.MustSize()
		att := batch.Attention(m.Rope, sz[1], s)
		att.Hooks = m.hookRun(batch, int(sz[0]), int(sz[1]))
		x := att.Hooks.At("hook_embed", s.T(m.Embed.Forward(tokens)), s) // [B,T,d]
		x = RunBlocks(m.Layers, m.Config, x, att, cache, s)
		out = m.Norm.ForwardAt(x, m.Config.NormEps, att.Hooks.Norm("ln_final", s))
	})
	return out, err
}

// Logits applies the output head to h [B,T,d], giving [B,T,V] (the hook point hook_logits, at
// the slots of the last Hidden call or, for T = 1, at its last slot).
func (m *Model) Logits(h *ts.Tensor) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	lg := nn.MatMul(h, m.LMHead.W)
	if m.Hooks.Len() == 0 {
		return lg
	}
	sz := h.MustSize()
	hk := m.Hooks.Follow("", int(sz[0]), int(sz[1]))
	return s.Keep(hk.At("hook_logits", s.T(lg), s))
}

// LastLogits runs tokens [B,T] and returns the next-token logits after the last one, [B,V].
func (m *Model) LastLogits(tokens *ts.Tensor, batch *Batch, cache *KVCache) (*ts.Tensor, error) {
	h, err := m.Hidden(tokens, batch, cache)
	if err != nil {
		return nil, err
	}
	defer h.MustDrop()
	T := h.MustSize()[1]
	if m.Hooks.Len() == 0 {
		last := h.MustSelect(1, T-1, false) // [B,d]
		defer last.MustDrop()
		return m.Logits(last), nil
	}
	var out *ts.Tensor
	err = tensor.Guard(func() { // with hooks, the head sees [B,1,d] so that hook_logits has a slot axis
		last := h.MustNarrow(1, T-1, 1, false) // [B,1,d]
		defer last.MustDrop()
		lg := m.Logits(last) // [B,1,V]
		defer lg.MustDrop()
		out = lg.MustView([]int64{lg.MustSize()[0], -1}, false)
	})
	return out, err
}

// NewCache makes an empty KV cache for the backbone, for B sequences of up to capacity tokens.
func (m *Model) NewCache(B, capacity int) *KVCache {
	c := m.Config
	return NewKVCache(c.Layers, B, c.KVHeads, c.HeadDim(), capacity, m.Device, m.DType)
}

// NumParams counts distinct weight elements (a tied head counts once).
func (m *Model) NumParams() int64 { return weights.Count(weights.Walk(m)) }

func (m *Model) String() string {
	c := m.Config
	return fmt.Sprintf("llama d=%d layers=%d heads=%d/%d ffn=%d vocab=%d params=%d %s %s",
		c.Dim, c.Layers, c.Heads, c.KVHeads, c.FFN, c.Vocab, m.NumParams(),
		tensor.DTypeName(m.DType), tensor.DeviceName(m.Device))
}

// Tokens makes the [B,T] token tensor of ids (row-major) on the model's device, after checking
// that every id is in the vocabulary: a bad id would otherwise surface from deep inside libtorch
// as "index out of range in self", with no id and no position.
func (m *Model) Tokens(ids []int64, B, T int) (*ts.Tensor, error) {
	if len(ids) != B*T {
		return nil, fmt.Errorf("tokens: %d ids for a [%d,%d] batch", len(ids), B, T)
	}
	for i, id := range ids {
		if id < 0 || id >= int64(m.Config.Vocab) {
			return nil, fmt.Errorf("token id %d (sequence %d, position %d) is outside the vocabulary of %d tokens", id, i/max(T, 1), i%max(T, 1), m.Config.Vocab)
		}
	}
	var t *ts.Tensor
	err := tensor.Guard(func() { t = tensor.FromInt64s(ids, []int64{int64(B), int64(T)}, m.Device) })
	return t, err
}
