package recipes

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"colash/engine/rl"
	"colash/engine/run"
	"colash/engine/train"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/models"
)

// SampleStage writes training text sampled from its model: OUT/<stage>/data.jsonl.
type SampleStage struct {
	train.SampleConfig
}

func (s *SampleStage) validate() error { return s.SampleConfig.Validate() }

// TrainStage trains one CoLA stage (engine/train) on a data file or an earlier sample stage's
// text; a stage 1 from a plain Llama wraps it in new modules of the sizes given. The trained model
// is OUT/<stage>/model.
type TrainStage struct {
	train.Config
	Data          string `toml:"data"`           // "@stage" (a sample stage) or a file
	Seq           int    `toml:"seq"`            // tokens per sequence
	AlignDocs     bool   `toml:"align_docs"`     // every packed sequence starts at a document
	Field         string `toml:"field"`          // JSONL text field
	PromptField   string `toml:"prompt_field"`   // FTA: prompt/response JSONL
	ResponseField string `toml:"response_field"` // FTA: the response field
	Template      string `toml:"template"`       // FTA: the prompt's template (%s: the prompt)
	SaveEvery     int    `toml:"save_every"`     // checkpoint every N updates
	SaveDType     string `toml:"save_dtype"`     // the saved model's dtype: f32, f16 or bf16
	Codes         int    `toml:"codes"`          // new modules (stage 1 from a plain Llama): codes
	ActionLayers  int    `toml:"action_layers"`  // IDM blocks
	WMMinusH      bool   `toml:"wm_minus_h"`     // the world model outputs norm(s) - h (the released code's); false: norm(s)
	DynaLayers    int    `toml:"dyna_layers"`    // world-model merge MLPs
	PolicyLayers  int    `toml:"policy_layers"`  // stage 1 from a Llama: of the new modules; bc: a fresh policy of this depth (0: keep)
	InitSeed      uint64 `toml:"init_seed"`      // seed of new modules' weights (lm: of every weight)
	Shape         string `toml:"config"`         // lm: config.json of the model's shape
	Tokenizer     string `toml:"tokenizer"`      // lm: "@stage" (a corpus stage's) or a tokenizer file
}

// defaultTrainStage is `colash train`'s defaults for stage st.
func defaultTrainStage(st train.Stage) *TrainStage {
	return &TrainStage{Config: train.Defaults(st), Seq: 128, Field: "text", PromptField: "prompt",
		ResponseField: "response", Template: "User: %s\nAssistant: ", SaveEvery: 200, SaveDType: "f32",
		Codes: 64, ActionLayers: 2, DynaLayers: 2, WMMinusH: true}
}

func (t *TrainStage) validate(before map[string]string) error {
	if t.Data == "" {
		return fmt.Errorf("train needs data (a file, or \"@stage\" of a sample stage)")
	}
	if err := refersTo(t.Data, before, "data", "sample", "corpus"); err != nil {
		return err
	}
	if t.Stage == train.StageLM {
		if t.Shape == "" || t.Tokenizer == "" {
			return fmt.Errorf("train lm needs config (the model's shape) and tokenizer")
		}
		if err := refersTo(t.Tokenizer, before, "tokenizer", "corpus"); err != nil {
			return err
		}
	}
	if t.Seq < 2 {
		return fmt.Errorf("seq must be at least 2")
	}
	if _, err := checkpoint.ParseStoredDType(t.SaveDType); err != nil {
		return err
	}
	return t.Config.Validate()
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

func (e *env) train(ctx context.Context, s Stage, dir string) (any, error) {
	t := s.Train
	if t.Stage == train.StageLM {
		return e.pretrain(ctx, s, dir)
	}
	path, err := e.modelPath(s.Model)
	if err != nil {
		return nil, err
	}
	var wrap *cola.Modules
	if t.Stage == train.StageIDM {
		wrap = &cola.Modules{Codes: t.Codes, ActionLayers: t.ActionLayers, DynaLayers: t.DynaLayers, PolicyLayers: cmp.Or(t.PolicyLayers, 2), NoMinusH: !t.WMMinusH}
	}
	m, err := checkpoint.OpenCoLA(path, e.opt, wrap, t.InitSeed)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	dc := train.DataConfig{Field: t.Field}
	if t.Stage == train.StageFTAI || t.Stage == train.StageFTAP {
		dc.PromptField, dc.ResponseField, dc.Template = t.PromptField, t.ResponseField, t.Template
	}
	docs, err := train.ReadDocs(e.dataPath(t.Data), m.Tok, dc)
	if err != nil {
		return nil, err
	}
	seqs := train.Sequences(docs, t.Stage, t.Seq, max(m.Tok.EOS(), 0), t.AlignDocs)
	if t.Stage == train.StageBC {
		if err := train.ResizePolicy(m.CoLA, t.PolicyLayers, t.InitSeed); err != nil {
			return nil, err
		}
	}
	o := run.Options{Name: s.Name, Out: dir, SaveEvery: t.SaveEvery, Resume: run.Auto, Progress: e.progress}
	if err := train.RunStage(ctx, m.CoLA, seqs, t.Config, o); err != nil {
		return nil, err
	}
	return e.saveTrained(m, t, dir)
}

// pretrain trains a Llama from scratch (stage lm) of the shape and tokenizer the stage names.
func (e *env) pretrain(ctx context.Context, s Stage, dir string) (any, error) {
	t := s.Train
	setup := train.LMSetup{Shape: e.dataPath(t.Shape), Tokenizer: e.tokenizerPath(t.Tokenizer), Data: e.dataPath(t.Data),
		Field: t.Field, Seq: t.Seq, AlignDocs: t.AlignDocs, InitSeed: t.InitSeed, Device: e.opt.Device}
	if s.Model != "" { // an lm stage starts from fresh weights unless it names a model to continue
		from, err := e.modelPath(s.Model)
		if err != nil {
			return nil, err
		}
		setup.From = from
	}
	o := run.Options{Name: s.Name, Out: dir, SaveEvery: t.SaveEvery, Resume: run.Auto, Progress: e.progress}
	m, err := train.Pretrain(ctx, nil, setup, t.Config, o)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	return e.saveTrained(m, t, dir)
}

// saveTrained writes a train stage's model to OUT/<stage>/model and returns its last update's
// metrics.
func (e *env) saveTrained(m *checkpoint.Model, t *TrainStage, dir string) (any, error) {
	dt, _ := checkpoint.ParseStoredDType(t.SaveDType) // checked by validate
	if err := m.Save(filepath.Join(dir, "model"), checkpoint.SaveOptions{DType: dt}); err != nil {
		return nil, err
	}
	lines, err := run.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	return lines[len(lines)-1], nil // the last update's metrics
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

// rl trains the stage's model with RL (engine/rl.RunJob); the trained model is OUT/<stage>/model.
func (e *env) rl(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	j := *s.RL
	if j.Data != "" {
		j.Data = e.dataPath(j.Data)
	}
	if j.RewardModel != "" {
		j.RewardModel = e.rmPath(j.RewardModel)
	}
	return rl.RunJob(ctx, m, j, dir, run.Auto, e.progress)
}
