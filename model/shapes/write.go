package shapes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"colash/model/atomic"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/weights"
	"colash/models"
)

// DefaultShardBytes is the largest shard Hugging Face's save_pretrained writes by default
// (max_shard_size="5GB", 5*10^9 bytes).
const DefaultShardBytes = 5_000_000_000

// Spec is the model Plan makes.
type Spec struct {
	Shape      Shape
	DType      safetensors.DType // stored dtype: BF16 (as released), F16 or F32
	Seed       uint64
	CoLA       bool  // add the CoLA modules at the released sizes (cola.Released)
	ShardBytes int64 // 0: DefaultShardBytes
}

// Plan is a model ready to be written: its config.json and its tensors, each generated when it
// is written.
type Plan struct {
	Spec
	Config  []byte                     // config.json
	Sources []safetensors.TensorSource // in checkpoint order: backbone, then CoLA modules
	Params  int64                      // weights stored
	Bytes   int64                      // their bytes
	gen     *generator                 // fills each tensor as it is written
}

// NewPlan makes the config.json of spec and lists its tensors. The stored dtype becomes the
// config's torch_dtype (bf16 keeps the released file's "bfloat16"); with CoLA, architectures is
// IntentionForCausalLM and the CoLA fields (num_code ... v) join the keys in sorted order.
func NewPlan(spec Spec) (*Plan, error) {
	if spec.ShardBytes <= 0 {
		spec.ShardBytes = DefaultShardBytes
	}
	obj := spec.Shape.Config.With("torch_dtype", checkpoint.StoredDType(spec.DType))
	if spec.CoLA {
		obj = CoLAConfig(obj, cola.Released)
	}
	cfgJSON, err := obj.File()
	if err != nil {
		return nil, err
	}
	params, dims, tie, err := layout(cfgJSON, spec.CoLA)
	if err != nil {
		return nil, fmt.Errorf("shape %s: %w", spec.Shape.Name, err)
	}
	p := &Plan{Spec: spec, Config: cfgJSON}
	if p.Sources, p.gen, err = randomSources(params, dims, tie, spec.DType, spec.Seed); err != nil {
		return nil, err
	}
	p.Params = p.gen.elements
	p.Bytes = p.Params * int64(spec.DType.Size())
	return p, nil
}

// CoLAConfig is a Llama config.json made a CoLA's in the released layout: architectures
// IntentionForCausalLM and the module sizes (num_code, num_action_layer, num_dyna_layer,
// num_policy_layer; v = 1, IntentionModel_v1), as model/cola reads them.
func CoLAConfig(llamaConfig Object, mod cola.Modules) Object {
	return llamaConfig.
		With("architectures", []string{cola.Architecture}).
		With("num_action_layer", mod.ActionLayers).
		With("num_code", mod.Codes).
		With("num_dyna_layer", mod.DynaLayers).
		With("num_policy_layer", mod.PolicyLayers).
		With("v", 1)
}

// layout reads config.json as the loader will and lists the weights a checkpoint of it holds,
// with the sizes of their symbolic dims; tie says whether lm_head is the embedding.
func layout(cfgJSON []byte, isCoLA bool) ([]weights.Param, weights.Dims, bool, error) {
	if !isCoLA {
		var c llama.Config
		if err := json.Unmarshal(cfgJSON, &c); err != nil {
			return nil, nil, false, err
		}
		if err := c.Validate(); err != nil {
			return nil, nil, false, err
		}
		m := &llama.Model{Config: &c, Layers: llama.NewBlocks(c.Layers)}
		return weights.Walk(m), c.Dims(), c.TieEmbeddings, nil
	}
	c := cola.Config{V: 1}
	if err := json.Unmarshal(cfgJSON, &c); err != nil {
		return nil, nil, false, err
	}
	if err := c.Validate(); err != nil {
		return nil, nil, false, err
	}
	bb := &llama.Model{Config: &c.Config, Layers: llama.NewBlocks(c.Layers)}
	m, err := cola.Wrap(bb, cola.Modules{Codes: c.NumCode, ActionLayers: c.NumActionLayer,
		DynaLayers: c.NumDynaLayer, PolicyLayers: c.NumPolicyLayer, NoMinusH: !c.MinusH()})
	if err != nil {
		return nil, nil, false, err
	}
	return m.Params(), m.Config.Dims(), c.TieEmbeddings, nil
}

// Write writes the model into dir, which must be absent or empty: config.json, the weights
// (model.safetensors, or model-0000K-of-0000N.safetensors shards and their index when they pass
// ShardBytes) and the Llama 3 tokenizer with its licence. It refuses, before writing anything,
// when the filesystem has less free space than the model needs. progress, if not nil, is called
// as weights are generated, with the bytes done so far and the total.
func (p *Plan) Write(dir string, progress func(done, total int64)) error {
	if err := refuseNonEmpty(dir); err != nil {
		return err
	}
	need := p.Bytes + 16<<20 // headers, config, tokenizer
	if free, err := freeBytes(existing(dir)); err == nil && free < need {
		return fmt.Errorf("%s: not enough disk space: the model needs %.2f GB, the filesystem has %.2f GB free", dir, float64(need)/1e9, float64(free)/1e9)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := atomic.WriteFile(filepath.Join(dir, "config.json"), p.Config); err != nil {
		return err
	}
	if err := models.WriteLlama3Tokenizer(dir); err != nil {
		return err
	}
	p.gen.progress, p.gen.done = progress, 0
	return safetensors.WriteShardedSources(dir, p.Sources, p.ShardBytes, map[string]string{"format": "pt"})
}

// refuseNonEmpty fails when dir exists and holds anything (or is not a folder).
func refuseNonEmpty(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err == nil {
		return fmt.Errorf("%s exists and is not empty; choose a new folder for the model", dir)
	} else if err != io.EOF {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// existing is dir or the nearest folder above it that exists.
func existing(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			return dir
		}
		dir = filepath.Dir(dir)
	}
}

// freeBytes is the space an unprivileged user may still write on dir's filesystem.
var freeBytes = func(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// WriteRandomLlama writes a Hugging Face folder (config.json, model.safetensors) for cfg into dir,
// its weights uniform in [-0.02, 0.02) (norm weights 1) from seed, stored as dt, generated as
// they are written. It returns the weight bytes written.
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
	m := &llama.Model{Config: cfg, Layers: llama.NewBlocks(cfg.Layers)}
	srcs, gen, err := randomSources(weights.Walk(m), cfg.Dims(), cfg.TieEmbeddings, dt, seed)
	if err != nil {
		return 0, err
	}
	return gen.elements * int64(dt.Size()), safetensors.WriteSources(filepath.Join(dir, safetensors.SingleFileName), srcs, nil)
}
