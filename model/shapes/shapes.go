// Package shapes writes Llama and CoLA checkpoints of named real shapes with random weights:
// config.json as the Hugging Face release of that model has it, sharded safetensors under Hugging
// Face's tensor names, and the Llama 3 tokenizer. Weights are generated tensor by tensor as they
// are written, so a model of 16 GB needs the memory of its largest tensor, not of the model; it
// serves to measure loading and decoding at real scale without downloading weights.
package shapes

import (
	"fmt"
	"slices"
	"strings"
)

// Shape is a named model shape: the config.json of its Hugging Face release.
type Shape struct {
	Name   string
	About  string // one line
	Config Object // config.json, keys in the order of the published file
}

// llama31_8B is meta-llama/Llama-3.1-8B's config.json, field for field and in the file's key order
// (https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json; the same text is quoted
// in github.com/citsjtu2020/LLM-Prof, sglang/Model_Config.md at commit 8434c8d).
var llama31_8B = Object{
	{"architectures", []string{"LlamaForCausalLM"}},
	{"attention_bias", false},
	{"attention_dropout", Float(0)},
	{"bos_token_id", 128000}, // <|begin_of_text|> (models/llama3-tokenizer: 128,000 ranks, then the specials)
	{"eos_token_id", 128001}, // <|end_of_text|>; the base model, not Instruct's [128001, 128008, 128009]
	{"hidden_act", "silu"},
	// hidden_size, intermediate_size, layers, heads, KV heads and RoPE base are also Table 3 of
	// "The Llama 3 Herd of Models" (arXiv 2407.21783): 8B: 32 layers, model dimension 4,096, FFN
	// dimension 14,336, 32 attention heads, 8 key/value heads, RoPE base frequency 500,000.
	{"hidden_size", 4096},
	{"initializer_range", Float(0.02)},
	{"intermediate_size", 14336},
	{"max_position_embeddings", 131072}, // 128K context
	{"mlp_bias", false},
	{"model_type", "llama"},
	{"num_attention_heads", 32},
	{"num_hidden_layers", 32},
	{"num_key_value_heads", 8},
	{"pretraining_tp", 1},
	{"rms_norm_eps", Float(1e-05)},
	// Llama 3.1's RoPE frequency scaling: factor 8, low/high frequency factors 1 and 4, original
	// context 8192 (also meta-llama/llama-models, models/llama3/reference_impl/model.py,
	// apply_scaling). The published file lists low_freq_factor before high_freq_factor.
	{"rope_scaling", Object{
		{"factor", Float(8)},
		{"low_freq_factor", Float(1)},
		{"high_freq_factor", Float(4)},
		{"original_max_position_embeddings", 8192},
		{"rope_type", "llama3"},
	}},
	{"rope_theta", Float(500000)},
	{"tie_word_embeddings", false}, // lm_head.weight is its own tensor
	{"torch_dtype", "bfloat16"},
	{"transformers_version", "4.43.0.dev0"},
	{"use_cache", true},
	{"vocab_size", 128256}, // 128,000 BPE ranks + 256 special tokens
}

// llama32_3B is meta-llama/Llama-3.2-3B's config.json
// (https://huggingface.co/meta-llama/Llama-3.2-3B/blob/main/config.json; quoted in
// github.com/citsjtu2020/LLM-Prof, sglang/Model_Config.md at commit 8434c8d). Keys sorted, as
// save_pretrained writes them; head_dim is explicit (3072 / 24 = 128).
var llama32_3B = Object{
	{"architectures", []string{"LlamaForCausalLM"}},
	{"attention_bias", false},
	{"attention_dropout", Float(0)},
	{"bos_token_id", 128000},
	{"eos_token_id", 128001},
	{"head_dim", 128},
	{"hidden_act", "silu"},
	{"hidden_size", 3072},
	{"initializer_range", Float(0.02)},
	{"intermediate_size", 8192},
	{"max_position_embeddings", 131072},
	{"mlp_bias", false},
	{"model_type", "llama"},
	{"num_attention_heads", 24},
	{"num_hidden_layers", 28},
	{"num_key_value_heads", 8},
	{"pretraining_tp", 1},
	{"rms_norm_eps", Float(1e-05)},
	{"rope_scaling", Object{ // Llama 3.2's factor is 32
		{"factor", Float(32)},
		{"high_freq_factor", Float(4)},
		{"low_freq_factor", Float(1)},
		{"original_max_position_embeddings", 8192},
		{"rope_type", "llama3"},
	}},
	{"rope_theta", Float(500000)},
	{"tie_word_embeddings", true}, // no lm_head.weight: the head is embed_tokens
	{"torch_dtype", "bfloat16"},
	{"transformers_version", "4.45.0.dev0"},
	{"use_cache", true},
	{"vocab_size", 128256},
}

// llama32_1B is meta-llama/Llama-3.2-1B's config.json
// (https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json; the same values, with
// "_name_or_path": "meta-llama/Llama-3.2-1B", are quoted in github.com/kevinstephano/thunder_model_blocks,
// hf_llama/llama_config.py). It differs from llama32_3B in hidden_size 2048, head_dim 64,
// 32 heads and 16 layers.
var llama32_1B = llama32_3B.
	With("head_dim", 64).
	With("hidden_size", 2048).
	With("num_attention_heads", 32).
	With("num_hidden_layers", 16)

// tiny is colash's own small shape on the Llama 3 vocabulary, for tests and trying the command:
// llama-3.2-1b's config with d=32, 4 query and 2 key/value heads of 8, FFN 64 and 2 layers
// (4.1M weights, 8 MB in bf16, nearly all of it the tied embedding).
var tiny = llama32_1B.
	With("head_dim", 8).
	With("hidden_size", 32).
	With("intermediate_size", 64).
	With("num_attention_heads", 4).
	With("num_hidden_layers", 2).
	With("num_key_value_heads", 2)

var known = []Shape{
	{"llama-3.1-8b", "Llama 3.1 8B: d=4096, 32 layers, 32/8 heads, FFN 14336, untied head (8.0B weights)", llama31_8B},
	{"llama-3.2-3b", "Llama 3.2 3B: d=3072, 28 layers, 24/8 heads, FFN 8192, tied head (3.2B weights)", llama32_3B},
	{"llama-3.2-1b", "Llama 3.2 1B: d=2048, 16 layers, 32/8 heads, FFN 8192, tied head (1.2B weights)", llama32_1B},
	{"tiny", "d=32, 2 layers, 4/2 heads, FFN 64, on the Llama 3 vocabulary (4.1M weights)", tiny},
}

// Names lists the known shapes.
func Names() []string {
	var out []string
	for _, s := range known {
		out = append(out, s.Name)
	}
	return out
}

// All returns the known shapes.
func All() []Shape { return slices.Clone(known) }

// Lookup finds a shape by name; an unknown name is an error that lists the known ones.
func Lookup(name string) (Shape, error) {
	for _, s := range known {
		if s.Name == strings.ToLower(name) {
			return s, nil
		}
	}
	return Shape{}, fmt.Errorf("unknown shape %q; known shapes: %s", name, strings.Join(Names(), ", "))
}
