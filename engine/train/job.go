package train

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/cola"
)

// Job is one training run as `colash train STAGE` and a recipe's train stage describe it: the
// optimisation (Config), the data, the fresh modules of a stage 1 that starts from a plain Llama,
// and the shape and tokenizer that pretraining (stage lm) builds. Env.Model is the model it
// trains: a CoLA, a Llama for stage1 to wrap, or for lm one to continue ("": fresh weights).
type Job struct {
	Config
	Data      string `toml:"data" ref:"data" help:"training data: JSONL (field) or plain text; in a recipe \"@stage\" names a sample or corpus stage's text"`
	Field     string `toml:"field" help:"JSONL text field"`
	Seq       int    `toml:"seq" help:"tokens per sequence (lm: at most max_position_embeddings)"`
	AlignDocs bool   `toml:"align_docs" help:"start every packed sequence at a document (a document cut by the sequence's end starts the next one again), so every token sees its document from the start"`

	PromptField   string `toml:"prompt_field" help:"fta: JSONL prompt field"`
	ResponseField string `toml:"response_field" help:"fta: JSONL response field"`
	Template      string `toml:"template" help:"fta: prompt template (%s is the prompt)"`
	BCSteps       int    `toml:"bc_steps" help:"fta-i: policy re-cloning updates after the backbone, written to OUT/bc (0: none)"`

	Codes        int    `toml:"codes" help:"stage1 from a Llama: latent codes"`
	ActionLayers int    `toml:"action_layers" help:"stage1 from a Llama: IDM blocks"`
	DynaLayers   int    `toml:"dyna_layers" help:"stage1 from a Llama: world-model merge MLPs"`
	WMMinusH     bool   `toml:"wm_minus_h" help:"stage1 from a Llama: the world model outputs norm(s) - h, as the released code does; false: norm(s)"`
	PolicyLayers int    `toml:"policy_layers" help:"policy blocks: of stage1's new modules (0: 2), or of a fresh policy that bc clones (0: keep the model's)"`
	InitSeed     uint64 `toml:"init_seed" help:"seed of fresh weights: stage1's new modules, bc's fresh policy, every weight of lm"`

	Shape     string `toml:"config" ref:"file" help:"lm: config.json of the model's shape"`
	Tokenizer string `toml:"tokenizer" ref:"tokenizer" help:"the model's tokenizer file (lm: required, e.g. colash tokenizer train's tokenizer.json; others: default the one beside the model); in a recipe \"@stage\" names a corpus stage's"`

	SaveEvery int    `toml:"save_every" help:"checkpoint every N updates (and at the end)"`
	SaveDType string `toml:"save_dtype" help:"stored dtype of the trained model: f32, f16 or bf16"`
}

// NewJob is the defaults of stage st: Defaults(st) and the data and module settings of
// `colash train` (64 codes, 2 IDM blocks, 2 merge MLPs: smaller than init-cola's released 4 / 8).
func NewJob(st Stage) *Job {
	j := &Job{Config: Defaults(st), Field: "text", Seq: 128, PromptField: "prompt", ResponseField: "response",
		Template: "User: %s\nAssistant: ", Codes: 64, ActionLayers: 2, DynaLayers: 2, WMMinusH: true,
		SaveEvery: 200, SaveDType: "f32"}
	if st == StageLM {
		j.Seq = 256
	}
	return j
}

// Smoke shrinks the run to a few tiny updates of the same shape (a recipe's --smoke).
func (j *Job) Smoke() {
	j.Steps, j.Batch, j.Accum = min(j.Steps, 4), min(j.Batch, 4), 1
	j.Warmup, j.Seq, j.SaveEvery = min(j.Warmup, 1), min(j.Seq, 64), 2
}

// Validate checks what can be checked before a model is loaded.
func (j *Job) Validate() error {
	if j.Data == "" {
		return fmt.Errorf("train needs data")
	}
	if j.Stage == StageLM && (j.Shape == "" || j.Tokenizer == "") {
		return fmt.Errorf("train lm needs config (the model's shape) and tokenizer")
	}
	if j.Seq < 2 {
		return fmt.Errorf("seq must be at least 2")
	}
	if _, err := checkpoint.ParseStoredDType(j.SaveDType); err != nil {
		return err
	}
	return j.Config.Validate()
}

// Run trains env.Model (or, for lm, a fresh Llama) in run's loop on every rank of env.Group and
// writes the trained model to env.ModelOut() on rank 0. It returns the last update's metrics.
func (j *Job) Run(ctx context.Context, env *job.Env) (any, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	o := run.Options{Out: env.Out, SaveEvery: j.SaveEvery, Resume: env.Resume, StopAt: env.StopAt, Progress: env.Progress}
	if !env.Rank0() {
		o.Progress = nil
	}
	var m *checkpoint.Model
	var err error
	if j.Stage == StageLM {
		m, err = j.pretrain(ctx, env, o)
	} else {
		m, err = j.trainCoLA(ctx, env, o)
	}
	if err != nil {
		return nil, err
	}
	defer m.Free()
	if !env.Rank0() { // every rank holds the same weights; rank 0 writes them
		return nil, nil
	}
	dt, _ := checkpoint.ParseStoredDType(j.SaveDType) // checked by Validate
	if err := m.Save(env.ModelOut(), checkpoint.SaveOptions{DType: dt}); err != nil {
		return nil, err
	}
	if env.Stopped(j.Steps) {
		env.Logf("stopped at update %d: wrote %s; continue with --resume", env.StopAt, env.ModelOut())
		return nil, nil
	}
	env.Logf("wrote %s", env.ModelOut())
	lines, err := run.ReadMetrics(filepath.Join(env.Out, "metrics.jsonl"))
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	return lines[len(lines)-1], nil
}

// trainCoLA trains one CoLA stage of env.Model; a stage 1 wraps a plain Llama in fresh modules.
func (j *Job) trainCoLA(ctx context.Context, env *job.Env, o run.Options) (*checkpoint.Model, error) {
	var wrap *cola.Modules
	if j.Stage == StageIDM {
		wrap = &cola.Modules{Codes: j.Codes, ActionLayers: j.ActionLayers, DynaLayers: j.DynaLayers,
			PolicyLayers: cmp.Or(j.PolicyLayers, 2), NoMinusH: !j.WMMinusH}
	}
	opt := env.Opt.ForTraining()
	tok, err := env.Path(j.Tokenizer, job.TokenizerRef) // "": the one beside the model
	if err != nil {
		return nil, err
	}
	opt.Tokenizer = cmp.Or(tok, opt.Tokenizer)
	m, err := checkpoint.OpenCoLA(env.Model, opt, wrap, j.InitSeed)
	if err != nil {
		if wrap == nil {
			err = fmt.Errorf("%w (stage %s needs a CoLA; run stage1 first)", err, j.Stage)
		}
		return nil, err
	}
	env.Logf("model %s: %s", env.Model, m)
	seqs, err := j.sequences(env, m)
	if err == nil && j.Stage == StageBC {
		err = ResizePolicy(m.CoLA, j.PolicyLayers, j.InitSeed)
	}
	if err == nil {
		err = RunStageOn(ctx, env.Group, m.CoLA, seqs, j.Config, o)
	}
	if err == nil && j.Stage == StageFTAI && j.BCSteps > 0 {
		bc := j.Config
		bc.Stage, bc.Steps, bc.Warmup = StageBC, j.BCSteps, min(j.Warmup, j.BCSteps/10)
		env.Logf("fta-i: re-cloning the policy (%d updates)", j.BCSteps)
		o.Out = filepath.Join(env.Out, "bc")
		err = RunStageOn(ctx, env.Group, m.CoLA, seqs, bc, o)
	}
	if err != nil {
		m.Free()
		return nil, err
	}
	return m, nil
}

// sequences reads the job's data with m's tokenizer and cuts it into the stage's sequences.
func (j *Job) sequences(env *job.Env, m *checkpoint.Model) ([]Seq, error) {
	data, err := env.Path(j.Data, job.DataRef)
	if err != nil {
		return nil, err
	}
	dc := DataConfig{Field: j.Field}
	if j.Stage == StageFTAI || j.Stage == StageFTAP {
		dc.PromptField, dc.ResponseField, dc.Template = j.PromptField, j.ResponseField, j.Template
	}
	docs, err := ReadDocs(data, m.Tok, dc)
	if err != nil {
		return nil, err
	}
	seqs := Sequences(docs, j.Stage, j.Seq, max(m.Tok.EOS(), 0), j.AlignDocs)
	env.Logf("data %s: %d documents, %d sequences of %d tokens", data, len(docs), len(seqs), j.Seq)
	return seqs, nil
}

// pretrain trains a Llama of the job's shape and tokenizer (stage lm), from fresh weights or
// env.Model's.
func (j *Job) pretrain(ctx context.Context, env *job.Env, o run.Options) (*checkpoint.Model, error) {
	s := LMSetup{Field: j.Field, Seq: j.Seq, AlignDocs: j.AlignDocs, InitSeed: j.InitSeed, From: env.Model,
		Device: env.Opt.WithDefaults().Device}
	var err error
	if s.Shape, err = env.Path(j.Shape, job.FileRef); err != nil {
		return nil, err
	}
	if s.Tokenizer, err = env.Path(j.Tokenizer, job.TokenizerRef); err != nil {
		return nil, err
	}
	if s.Data, err = env.Path(j.Data, job.DataRef); err != nil {
		return nil, err
	}
	return Pretrain(ctx, env.Group, s, j.Config, o)
}
