package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"colash/engine/generate"
	"colash/engine/run"
	"colash/model/atomic"
	"colash/model/llama"
	"colash/model/tokenizer"
)

// SampleConfig is how much text a backbone writes for CoLA's training: rounds of Batch stories
// from BOS, each up to Len tokens (or EOS), at Temperature, until Tokens tokens are written.
type SampleConfig struct {
	Tokens      int     `toml:"tokens" help:"total new tokens to sample (at least)"`
	Batch       int     `toml:"batch" help:"sequences decoded together"`
	Len         int     `toml:"len" help:"largest tokens per sample (a sample also ends at EOS)"`
	Temperature float64 `toml:"temperature" help:"token temperature"`
	Seed        uint64  `toml:"seed" help:"random seed"`
	Field       string  `toml:"field" help:"JSON field of each line"`
}

// DefaultSample is `colash sample`'s default.
var DefaultSample = SampleConfig{Batch: 64, Len: 256, Temperature: 1, Field: "text"}

// Validate checks the configuration.
func (c SampleConfig) Validate() error {
	if c.Tokens <= 0 || c.Batch <= 0 || c.Len <= 0 || c.Field == "" {
		return fmt.Errorf("sample: tokens, batch and len must be positive and the field named")
	}
	return nil
}

// SampleText writes the texts m samples as JSONL to path, atomically (a stopped run leaves no
// file; the same seed writes the same file again). Progress, when set, shows a bar.
func SampleText(ctx context.Context, m *llama.Model, tok tokenizer.Tokenizer, cfg SampleConfig, path string, progress io.Writer) (texts, tokens int, err error) {
	if err := cfg.Validate(); err != nil {
		return 0, 0, err
	}
	bos, stops := tok.BOS(), tok.StopTokens()
	var bar interface {
		Describe(string)
		Set(int) error
	}
	if progress != nil {
		b := run.NewBar(progress, "sample", cfg.Tokens)
		defer b.Exit()
		bar = b
	}
	err = atomic.Write(path, func(w io.Writer) error {
		for round := uint64(0); tokens < cfg.Tokens; round++ {
			prompts := make([][]int, cfg.Batch)
			for i := range prompts {
				prompts[i] = []int{bos}
			}
			sess := generate.NewLlamaSession(m, cfg.Len+1, false)
			res, err := generate.Generate(ctx, sess, prompts, generate.Options{MaxTokens: cfg.Len, Stop: stops,
				Sampling: generate.Sampling{Temperature: cfg.Temperature, Seed: cfg.Seed*1_000_003 + round}})
			sess.Close()
			if err != nil {
				return err
			}
			for _, ids := range res {
				tokens += len(ids)
				if n := len(ids); n > 0 && isStop(ids[n-1], stops) {
					ids = ids[:n-1]
				}
				b, _ := json.Marshal(map[string]string{cfg.Field: tok.Decode(append([]int{bos}, ids...))})
				if _, err := w.Write(append(b, '\n')); err != nil {
					return err
				}
				texts++
			}
			if bar != nil {
				bar.Describe(fmt.Sprintf("sample (%d texts)", texts))
				bar.Set(min(tokens, cfg.Tokens))
			}
		}
		return nil
	})
	return texts, tokens, err
}

func isStop(id int, stops []int) bool {
	for _, s := range stops {
		if s == id {
			return true
		}
	}
	return false
}
