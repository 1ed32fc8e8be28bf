package train

import (
	"fmt"
	"strings"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tokenizer"
	"colash/models"
)

// FluencyConfig sizes the fluency measurement: PerPrompt continuations of Tokens new tokens from
// each prompt, once from the reference backbone (tokens sampled at temperature 1) and once from
// the CoLA (codes sampled by the policy with Latent, tokens greedy given the code).
type FluencyConfig struct {
	Prompts   []string
	PerPrompt int
	Tokens    int
	Latent    generate.Sampling
	Seed      uint64
}

// DefaultFluency is the measurement the README and model card report: 16 story prompts x 16
// continuations of 64 tokens (256 samples: fewer leave the diversity figures, averaged per
// prompt, within noise of each other), codes sampled as the paper does (top-k 40, temperature 1).
var DefaultFluency = FluencyConfig{Prompts: models.StoryPrompts, PerPrompt: 16, Tokens: 64,
	Latent: generate.PaperLatent, Seed: 1}

// Fluency compares a CoLA's own text with its reference backbone's, both scored by the reference:
// a CoLA whose policy has kept the backbone's ability writes text the backbone finds about as
// likely as its own (Ratio near 1), and at least as diverse.
type Fluency struct {
	Reference, CoLA Diversity
	Ratio           float64 // CoLA NLL / reference NLL, both under the reference
	Cfg             FluencyConfig
}

// MeasureFluency samples and scores as FluencyConfig says. ref is the original backbone: after
// FTA the CoLA's own backbone has changed and cannot judge its text.
func MeasureFluency(m *cola.Model, ref *llama.Model, tok tokenizer.Tokenizer, cfg FluencyConfig) (*Fluency, error) {
	if len(cfg.Prompts) == 0 || cfg.PerPrompt < 2 || cfg.Tokens <= 0 {
		return nil, fmt.Errorf("fluency: want prompts, at least 2 continuations each and a positive length")
	}
	var prompts [][]int
	for _, p := range cfg.Prompts {
		prompts = append(prompts, tok.Encode(p, tokenizer.EncodeOptions{BOS: true}))
	}
	f := &Fluency{Cfg: cfg}
	var err error
	if f.Reference, err = measure(backboneScheme("reference backbone, tokens at T=1", ref), prompts, cfg.PerPrompt, cfg.Tokens, tok.StopTokens(), ref, cfg.Seed); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("CoLA, policy codes (top-k %d, T=%g), greedy tokens", cfg.Latent.TopK, cfg.Latent.Temperature)
	if f.CoLA, err = measure(colaScheme(name, m, cfg.Latent, nil), prompts, cfg.PerPrompt, cfg.Tokens, tok.StopTokens(), ref, cfg.Seed); err != nil {
		return nil, err
	}
	f.Ratio = f.CoLA.NLL / f.Reference.NLL
	return f, nil
}

// Markdown renders the comparison as a table.
func (f *Fluency) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Fluency: %d prompts x %d continuations of %d tokens, scored by the reference backbone.\n\n",
		len(f.Cfg.Prompts), f.Cfg.PerPrompt, f.Cfg.Tokens)
	fmt.Fprintf(&b, "| sampling | reference NLL per token | distinct-2 | semantic diversity (1 / mean pairwise cosine) |\n|---|---:|---:|---:|\n")
	for _, d := range []Diversity{f.Reference, f.CoLA} {
		fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f |\n", d.Name, d.NLL, d.Distinct[1], d.Semantic())
	}
	fmt.Fprintf(&b, "\nfluency ratio (CoLA NLL / reference NLL): %.3f\n", f.Ratio)
	return b.String()
}
