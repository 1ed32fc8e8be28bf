// Package cola is CoLA (Jia et al., ICML 2025) on top of a frozen Llama backbone: the inverse
// dynamics model (IDM) that reads a latent action per token, the 64-code action codebook, the
// world model (merge MLPs + the backbone's own final norm and lm_head) and the latent policy.
// Layout and equations follow the released IntentionForCausalLM (v1) checkpoint.
package cola

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"colash/model/llama"
	"colash/model/weights"
)

// Architecture is the class name a CoLA config.json records.
const Architecture = "IntentionForCausalLM"

// Config is a Hugging Face Llama config plus the CoLA fields of the released checkpoint.
// The merge MLPs are intermediate_size wide, like the backbone's.
type Config struct {
	llama.Config
	NumCode        int `json:"num_code"`         // latent actions (64)
	NumActionLayer int `json:"num_action_layer"` // IDM blocks (4)
	NumDynaLayer   int `json:"num_dyna_layer"`   // merge MLPs of the world model (2)
	NumPolicyLayer int `json:"num_policy_layer"` // policy blocks (8)
	V              int `json:"v"`                // model variant; 1 is the released one
	// WMMinusH is whether the world model's output is norm(s) - h, as in the released code
	// (absent: true). A checkpoint trained with false outputs norm(s): on a small backbone that is
	// confident about its next token, subtracting h caps how confident the world model can be
	// (docs/training.md, "The world model's - h").
	WMMinusH *bool `json:"wm_minus_h,omitempty"`
}

// MinusH reports whether the world model subtracts h from its output (the released code does).
func (c *Config) MinusH() bool { return c.WMMinusH == nil || *c.WMMinusH }

// Modules are the sizes of the CoLA modules, with the paper's values as defaults.
type Modules struct {
	Codes, ActionLayers, DynaLayers, PolicyLayers int
	NoMinusH                                      bool // the world model outputs norm(s), not norm(s) - h
}

// Released are the module sizes of the released Llama-3.1-CoLA checkpoint.
var Released = Modules{Codes: 64, ActionLayers: 4, DynaLayers: 2, PolicyLayers: 8}

// NewConfig wraps a Llama config in CoLA modules of the given sizes.
func NewConfig(backbone llama.Config, mod Modules) *Config {
	c := &Config{Config: backbone, NumCode: mod.Codes, NumActionLayer: mod.ActionLayers,
		NumDynaLayer: mod.DynaLayers, NumPolicyLayer: mod.PolicyLayers, V: 1}
	if mod.NoMinusH {
		c.WMMinusH = new(bool)
	}
	c.Architectures = []string{Architecture}
	if c.ModelType == "" {
		c.ModelType = "llama"
	}
	return c
}

// Validate checks the backbone config and the CoLA fields.
func (c *Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"num_code", c.NumCode}, {"num_action_layer", c.NumActionLayer},
		{"num_dyna_layer", c.NumDynaLayer}, {"num_policy_layer", c.NumPolicyLayer}} {
		if f.v <= 0 {
			return fmt.Errorf("config: %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.V != 1 {
		return fmt.Errorf("config: v = %d: only the released variant v = 1 (IntentionModel_v1) is supported", c.V)
	}
	return nil
}

// Dims resolves the weight tags: the backbone's dims, C (codes), d2 (merge input [s;e]) and
// layers (backbone depth, which scales the initial output projections).
func (c *Config) Dims() weights.Dims {
	d := c.Config.Dims()
	d["C"] = int64(c.NumCode)
	d["d2"] = int64(2 * c.Dim)
	d["layers"] = int64(c.Layers)
	return d
}

// IsCoLA reports whether dir holds a CoLA checkpoint: a config.json with num_code.
func IsCoLA(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return false
	}
	var probe struct {
		NumCode *int `json:"num_code"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.NumCode != nil
}

// ReadConfig loads and validates dir/config.json, which must be a CoLA config.
func ReadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, ok := raw["num_code"]; !ok {
		var arch []string
		json.Unmarshal(raw["architectures"], &arch)
		return nil, fmt.Errorf("%s: not a CoLA checkpoint: config.json has no num_code (architectures %q); "+
			"for a plain Llama, wrap it in fresh CoLA modules with `colash init-cola`", path, arch)
	}
	c := Config{V: 1}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}
