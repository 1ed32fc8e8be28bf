package recipes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/train"
	"colash/model/llama"
	"colash/model/tokenizer"
)

// ReportStage measures a trained CoLA (`colash train report`) on held-out text: OUT/<stage>/report.md.
type ReportStage struct {
	Data      string `toml:"data" ref:"data"`       // held-out text: "@stage" or a file
	Reference string `toml:"reference" ref:"model"` // the original backbone that scores sampled text ("": the CoLA's own)
	Field     string `toml:"field"`                 // JSONL text field
	Samples   int    `toml:"fluency_samples"`       // continuations per story prompt
	Tokens    int    `toml:"fluency_tokens"`        // tokens per continuation
	// Prompts are the fluency prompts (none: the story openings the shipped stories models continue).
	Prompts []string `toml:"fluency_prompts"`
	// Seed seeds the diversity and fluency samples (0: the report's default).
	Seed uint64 `toml:"seed"`
}

var reportKind = kind{
	name: "report",
	blank: func() Job {
		f := train.DefaultReport.Fluency
		return &ReportStage{Field: "text", Samples: f.PerPrompt, Tokens: f.Tokens}
	},
	run: (*env).report,
	reach: func(*env, Stage, tokenizer.Tokenizer) (reach, bool) {
		d := train.DefaultReport
		return reach{fixed: max(d.Seq, d.PromptLen+d.GenLen), what: fmt.Sprintf("the report's sequences of %d tokens", d.Seq)}, true
	},
}

func (r *ReportStage) Validate() error {
	if r.Data == "" {
		return fmt.Errorf("report needs data (held-out text: a file, or \"@stage\")")
	}
	return nil
}

// Smoke scores two short continuations per prompt (report shrinks the rest under e.r.smoke).
func (r *ReportStage) Smoke() { r.Samples, r.Tokens = min(r.Samples, 2), min(r.Tokens, 8) }

func (e *env) report(ctx context.Context, s Stage, dir string) (any, error) {
	rs := s.Job.(*ReportStage)
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	if m.CoLA == nil {
		return nil, fmt.Errorf("report: %s is not a CoLA", m.Path)
	}
	var ref *llama.Model
	if rs.Reference != "" {
		r, err := e.open(rs.Reference)
		if err != nil {
			return nil, fmt.Errorf("reference: %w", err)
		}
		defer r.Free()
		ref = r.Llama
	}
	data, err := e.resolve(rs.Data, job.DataRef)
	if err != nil {
		return nil, err
	}
	docs, err := train.ReadDocs(data, m.Tok, train.DataConfig{Field: rs.Field})
	if err != nil {
		return nil, err
	}
	cfg := train.DefaultReport
	cfg.Fluency.PerPrompt, cfg.Fluency.Tokens = rs.Samples, rs.Tokens
	if len(rs.Prompts) > 0 {
		cfg.Fluency.Prompts = rs.Prompts
	}
	if rs.Seed != 0 {
		cfg.Seed, cfg.Fluency.Seed = rs.Seed, rs.Seed
	}
	if e.r.smoke {
		cfg.MaxSeqs, cfg.Prompts, cfg.Cont, cfg.GenLen, cfg.Repro = 4, 2, 2, 8, 2
		cfg.Fluency.Prompts = cfg.Fluency.Prompts[:2]
	}
	rep, err := train.Evaluate(m.CoLA, ref, m.Tok, docs, cfg)
	if err != nil {
		return nil, err
	}
	md := fmt.Sprintf("Model %s (%s).\n\n%s", m.Path, m, rep.Markdown())
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(md), 0o644); err != nil {
		return nil, err
	}
	if e.progress != nil {
		fmt.Fprint(e.progress, md)
	}
	return rep, nil
}
