// Package llama is the Llama decoder in gotch: RMSNorm, RoPE (with Llama-3.1 scaling),
// grouped-query attention and SwiGLU, batched over left-padded sequences with a KV cache.
package llama

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"colash/model/weights"
)

// Architecture is the class name a Llama config.json records.
const Architecture = "LlamaForCausalLM"

// Config mirrors the fields of a Hugging Face Llama config.json that the forward pass uses.
type Config struct {
	Architectures []string `json:"architectures,omitempty"`
	ModelType     string   `json:"model_type"`
	Dim           int      `json:"hidden_size"`
	FFN           int      `json:"intermediate_size"`
	Layers        int      `json:"num_hidden_layers"`
	Heads         int      `json:"num_attention_heads"`
	KVHeads       int      `json:"num_key_value_heads"`
	HeadDimension int      `json:"head_dim,omitempty"` // 0: Dim / Heads
	Vocab         int      `json:"vocab_size"`
	NormEps       float64  `json:"rms_norm_eps"`
	RopeTheta     float64  `json:"rope_theta"`
	RopeScaling   *Scaling `json:"rope_scaling,omitempty"`
	MaxPositions  int      `json:"max_position_embeddings"`
	TieEmbeddings bool     `json:"tie_word_embeddings"`
	BOS           int      `json:"bos_token_id"`
	EOS           IDs      `json:"eos_token_id"`
	TorchDType    string   `json:"torch_dtype,omitempty"`
}

// Scaling is Llama-3.1's "llama3" RoPE frequency scaling.
type Scaling struct {
	Type             string  `json:"rope_type"`
	Factor           float64 `json:"factor"`
	LowFreqFactor    float64 `json:"low_freq_factor"`
	HighFreqFactor   float64 `json:"high_freq_factor"`
	OriginalMaxPos   float64 `json:"original_max_position_embeddings"`
	LegacyTypeOption string  `json:"type,omitempty"` // older configs name the type here
}

// IDs reads a token id that config.json gives either as a number or as a list.
type IDs []int

func (ids *IDs) UnmarshalJSON(b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*ids = IDs{one}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("eos_token_id: want a number or a list of numbers, got %s", b)
	}
	*ids = many
	return nil
}

func (ids IDs) MarshalJSON() ([]byte, error) {
	if len(ids) == 1 {
		return json.Marshal(ids[0])
	}
	return json.Marshal([]int(ids))
}

// HeadDim is the per-head width.
func (c *Config) HeadDim() int {
	if c.HeadDimension > 0 {
		return c.HeadDimension
	}
	return c.Dim / c.Heads
}

// Dims resolves the symbolic shapes of the weight tags.
func (c *Config) Dims() weights.Dims {
	return weights.Dims{
		"d": int64(c.Dim), "ff": int64(c.FFN), "V": int64(c.Vocab),
		"q": int64(c.Heads * c.HeadDim()), "kv": int64(c.KVHeads * c.HeadDim()),
	}
}

// Validate checks the config for values the forward pass cannot run with.
func (c *Config) Validate() error {
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.NormEps == 0 {
		c.NormEps = 1e-5
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 10000
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"hidden_size", c.Dim}, {"intermediate_size", c.FFN}, {"num_hidden_layers", c.Layers},
		{"num_attention_heads", c.Heads}, {"vocab_size", c.Vocab}} {
		if f.v <= 0 {
			return fmt.Errorf("config: %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.HeadDimension == 0 && c.Dim%c.Heads != 0 {
		return fmt.Errorf("config: hidden_size %d is not divisible by num_attention_heads %d", c.Dim, c.Heads)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("config: num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.HeadDim()%2 != 0 {
		return fmt.Errorf("config: head dim %d must be even for RoPE", c.HeadDim())
	}
	if s := c.RopeScaling; s != nil {
		t := s.Type
		if t == "" {
			t = s.LegacyTypeOption
		}
		switch t {
		case "llama3":
			if s.Factor <= 0 || s.LowFreqFactor <= 0 || s.HighFreqFactor <= s.LowFreqFactor || s.OriginalMaxPos <= 0 {
				return fmt.Errorf("config: rope_scaling llama3 needs factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0")
			}
		case "default", "":
		default:
			return fmt.Errorf("config: rope_scaling type %q is not supported (llama3 is)", t)
		}
	}
	return nil
}

// InvFreq returns RoPE's inverse frequencies, theta^(-2i/hd), rescaled as Llama-3.1 does when
// rope_scaling is "llama3": low frequencies are divided by factor, high ones kept, and the band
// between is interpolated smoothly.
func (c *Config) InvFreq() []float64 {
	hd := c.HeadDim()
	out := make([]float64, hd/2)
	for i := range out {
		out[i] = 1 / math.Pow(c.RopeTheta, float64(2*i)/float64(hd))
	}
	s := c.RopeScaling
	if s == nil || (s.Type != "llama3" && s.LegacyTypeOption != "llama3") {
		return out
	}
	lowWavelen := s.OriginalMaxPos / s.LowFreqFactor
	highWavelen := s.OriginalMaxPos / s.HighFreqFactor
	for i, f := range out {
		wavelen := 2 * math.Pi / f
		switch {
		case wavelen < highWavelen:
		case wavelen > lowWavelen:
			out[i] = f / s.Factor
		default:
			smooth := (s.OriginalMaxPos/wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
			out[i] = (1-smooth)*f/s.Factor + smooth*f
		}
	}
	return out
}

// ReadConfig loads and validates dir/config.json.
func ReadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}
