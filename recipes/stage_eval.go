package recipes

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"colash/engine/eval"
	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// Eval is a math evaluation: Math500 (built in), a MATH-format or a GSM8K file.
type Eval struct {
	Set               string  `toml:"set" flag:"-"` // math500, math or gsm8k (on the command line: colash eval SET)
	Data              string  `toml:"data" ref:"file" help:"JSONL file (math: MATH schema; gsm8k: question/answer); math500 is built in"`
	N                 int     `toml:"n" help:"evaluate the first N problems (0: all)"`
	Samples           int     `toml:"samples" help:"completions per problem, for pass@k and maj@k"`
	Batch             int     `toml:"batch" help:"problems decoded together"`
	MaxTokens         int     `toml:"max_tokens" help:"new tokens per completion"`
	Temperature       float64 `toml:"temperature" help:"token temperature (0: greedy, as CoLA decodes tokens)"`
	LatentTemperature float64 `toml:"latent_temperature" help:"CoLA code temperature (0: greedy codes); top-k 40 as in the paper"`
	Seed              uint64  `toml:"seed" help:"random seed"`
	Grading           string  `toml:"grading" help:"prm800k (the paper's grader) or strict (docs/grading.md)"`
}

// DefaultEval is the paper's setting: greedy tokens, codes sampled at temperature 1.
func DefaultEval() Eval {
	return Eval{Set: "math500", Samples: 1, Batch: 8, MaxTokens: 512, LatentTemperature: 1, Grading: "prm800k"}
}

var evalKind = kind{
	name:  "eval",
	blank: func() Job { e := DefaultEval(); return &e },
	run: func(e *env, ctx context.Context, s Stage, dir string) (any, error) {
		m, err := e.open(s.Model)
		if err != nil {
			return nil, err
		}
		defer m.Free()
		return RunEval(ctx, m, *s.Job.(*Eval), filepath.Join(dir, "problems.jsonl"), e.progress)
	},
	reach: evalReach,
}

// evalReach is the longest of the evaluated problems' prompts plus max_tokens.
func evalReach(e *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
	ev := *s.Job.(*Eval)
	ev.Data = e.file(ev.Data)
	probs, err := ev.Problems()
	if err != nil {
		return reach{}, false
	}
	if ev.N > 0 && ev.N < len(probs) {
		probs = probs[:ev.N]
	}
	rc := reach{plus: ev.MaxTokens, what: fmt.Sprintf("max_tokens %d", ev.MaxTokens)}
	for _, p := range probs {
		rc.prompts = append(rc.prompts, eval.MathPrompt(p.Problem))
	}
	return rc, true
}

// Smoke evaluates two problems with short completions.
func (e *Eval) Smoke() { e.N, e.Samples, e.MaxTokens = 2, min(e.Samples, 2), min(e.MaxTokens, 16) }

// Validate checks the settings.
func (e *Eval) Validate() error {
	switch e.Set {
	case "math500":
	case "math", "gsm8k":
		if e.Data == "" {
			return fmt.Errorf("eval set %s needs data = \"file.jsonl\"", e.Set)
		}
	default:
		return fmt.Errorf("eval set %q: want math500, math or gsm8k", e.Set)
	}
	if e.Samples > 1 && e.Temperature == 0 && e.LatentTemperature == 0 {
		return fmt.Errorf("samples = %d with greedy tokens and codes gives identical completions: set temperature or latent_temperature", e.Samples)
	}
	if e.MaxTokens <= 0 {
		return fmt.Errorf("max_tokens must be positive")
	}
	_, err := eval.ParseMode(e.Grading)
	return err
}

// Problems loads the evaluation set.
func (e *Eval) Problems() ([]eval.Problem, error) {
	switch e.Set {
	case "math":
		return eval.LoadMATH(e.Data)
	case "gsm8k":
		return eval.LoadGSM8K(e.Data)
	}
	return eval.Math500(), nil
}

// RunEval evaluates m; log is the per-problem JSONL (resumed when it exists).
func RunEval(ctx context.Context, m *checkpoint.Model, e Eval, log string, progress io.Writer) (*eval.Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	probs, err := e.Problems()
	if err != nil {
		return nil, err
	}
	latent := generate.PaperLatent
	latent.Temperature, latent.Seed = e.LatentTemperature, e.Seed
	gen := &eval.ModelGenerator{
		NewSession: func(capacity int) generate.Session { return generate.NewSession(m, capacity, latent) },
		Tok:        m.Tok,
		Options:    generate.Options{MaxTokens: e.MaxTokens, Sampling: generate.Sampling{Temperature: e.Temperature, Seed: e.Seed}},
	}
	mode, _ := eval.ParseMode(e.Grading) // checked by validate
	return eval.Run(ctx, probs, gen, eval.Config{N: e.N, Samples: e.Samples, Batch: e.Batch, OutPath: log, Progress: progress, Grading: mode})
}
