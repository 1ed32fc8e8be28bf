package recipes

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"colash/engine/dist"
	"colash/engine/job"
	"colash/engine/run"
	"colash/engine/train"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/models"
)

// SampleStage writes training text sampled from its model: OUT/<stage>/data.jsonl.
type SampleStage struct {
	train.SampleConfig
}

func (s *SampleStage) validate() error { return s.SampleConfig.Validate() }

// validateTrain checks a train stage's "@stage" references against the stages before it.
func validateTrain(t *train.Job, before map[string]string) error {
	if err := refersTo(t.Data, before, "data", "sample", "corpus"); err != nil {
		return err
	}
	if err := refersTo(t.Tokenizer, before, "tokenizer", "corpus"); err != nil {
		return err
	}
	return t.Validate()
}

// ReportStage measures a trained CoLA (`colash train report`) on held-out text.
type ReportStage struct {
	Data      string `toml:"data"`            // held-out text: "@stage" or a file
	Reference string `toml:"reference"`       // the original backbone that scores sampled text ("": the CoLA's own)
	Field     string `toml:"field"`           // JSONL text field
	Samples   int    `toml:"fluency_samples"` // continuations per story prompt
	Tokens    int    `toml:"fluency_tokens"`  // tokens per continuation
	// Prompts are the fluency prompts (none: the story openings the shipped stories models continue).
	Prompts []string `toml:"fluency_prompts"`
}

func defaultReportStage() *ReportStage {
	f := train.DefaultReport.Fluency
	return &ReportStage{Field: "text", Samples: f.PerPrompt, Tokens: f.Tokens}
}

func (r *ReportStage) validate(before map[string]string) error {
	if r.Data == "" {
		return fmt.Errorf("report needs data (held-out text: a file, or \"@stage\")")
	}
	return refersTo(r.Data, before, "data", "sample", "corpus")
}

// env is what every stage needs: the recipe, its output folder, where tensors go and progress.
type env struct {
	r        *Recipe
	out      string
	opt      checkpoint.Options
	progress io.Writer
	group    *dist.Group // under a launcher: every rank runs the data-parallel stages (nil: one process)
	others   io.Writer   // a rank other than 0: where it says which stages it joins (progress is rank 0's)
}

// dir is a stage's folder.
func (e *env) dir(name string) string { return filepath.Join(e.out, name) }

// modelPath resolves a stage's model: the recipe's, or an earlier train stage's.
func (e *env) modelPath(ref string) (string, error) {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "model"), nil
	}
	if ref == "" {
		ref = e.r.Model.Path
	}
	if !filepath.IsAbs(ref) && ref != "" && e.r.path != "" {
		if p := filepath.Join(filepath.Dir(e.r.path), ref); exists(p) {
			return p, nil // relative to the recipe file
		}
	}
	return models.Resolve(ref)
}

// dataPath resolves a data reference: an earlier sample stage's text, or a file.
func (e *env) dataPath(ref string) string {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "data.jsonl")
	}
	if !filepath.IsAbs(ref) && e.r.path != "" {
		return filepath.Join(filepath.Dir(e.r.path), ref)
	}
	return ref
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (e *env) open(ref string) (*checkpoint.Model, error) {
	path, err := e.modelPath(ref)
	if err != nil {
		return nil, err
	}
	return checkpoint.Open(path, e.opt)
}

func (e *env) sample(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	texts, tokens, err := train.SampleText(ctx, m.Llama, m.Tok, s.Sample.SampleConfig, filepath.Join(dir, "data.jsonl"), e.progress)
	return map[string]int{"texts": texts, "tokens": tokens}, err
}

// train runs a train stage's job (engine/train); the trained model is OUT/<stage>/model. An lm
// stage starts from fresh weights unless it names a model to continue.
func (e *env) train(ctx context.Context, s Stage, dir string) (any, error) {
	env, err := e.jobEnv(s, dir, s.Train.Stage != train.StageLM || s.Model != "")
	if err != nil {
		return nil, err
	}
	env.SaveTo = filepath.Join(dir, "model")
	return s.Train.Run(ctx, env)
}

// jobEnv is the environment of a job (engine/job) run as stage s in dir: the stage's model (when
// withModel), resumed from its checkpoint when there is one, "@stage" references resolved to
// earlier stages' outputs.
func (e *env) jobEnv(s Stage, dir string, withModel bool) (*job.Env, error) {
	env := &job.Env{Opt: e.opt, Out: dir, Resume: run.Auto, Progress: e.progress, Smoke: e.r.smoke, Resolve: e.resolve,
		Group: e.group}
	if withModel {
		m, err := e.modelPath(s.Model)
		if err != nil {
			return nil, err
		}
		env.Model = m
	}
	return env, nil
}

// resolve resolves a job's reference: "@stage" is that stage's output of the kind asked for.
func (e *env) resolve(ref string, what job.Ref) (string, error) {
	switch what {
	case job.ModelRef:
		return e.modelPath(ref)
	case job.TokenizerRef:
		return e.tokenizerPath(ref), nil
	case job.SamplesRef:
		return e.samplesPath(ref), nil
	}
	return e.dataPath(ref), nil
}

func (e *env) report(ctx context.Context, s Stage, dir string) (any, error) {
	rs := s.Report
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
	docs, err := train.ReadDocs(e.dataPath(rs.Data), m.Tok, train.DataConfig{Field: rs.Field})
	if err != nil {
		return nil, err
	}
	cfg := train.DefaultReport
	cfg.Fluency.PerPrompt, cfg.Fluency.Tokens = rs.Samples, rs.Tokens
	if len(rs.Prompts) > 0 {
		cfg.Fluency.Prompts = rs.Prompts
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

func (e *env) eval(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	return RunEval(ctx, m, *s.Eval, filepath.Join(dir, "problems.jsonl"), e.progress)
}

// rl trains the stage's model with RL (rl.Job); the trained model is OUT/<stage>/model.
func (e *env) rl(ctx context.Context, s Stage, dir string) (any, error) {
	env, err := e.jobEnv(s, dir, true)
	if err != nil {
		return nil, err
	}
	return s.RL.Run(ctx, env)
}
