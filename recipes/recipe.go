// Package recipes reads TOML recipes, each of which reproduces one experiment as a list of
// stages (sample text, train a CoLA stage, report on it, evaluate on Math500, ...), and runs them
// with progress, a resumable state per stage and a results file. Unknown keys are errors: a typo
// must not silently fall back to a default.
//
//	name = "tiny-cola"
//	[model]            # the recipe's model: a shipped name or a path
//	path = "stories260K"
//	[[stage]]
//	name = "data"
//	kind = "sample"
//	[stage.sample]
//	tokens = 3200000
//	[[stage]]
//	name = "stage1"
//	kind = "train"
//	[stage.train]
//	stage = "stage1"
//	data = "@data"     # "@name" is an earlier stage's output: its text, or its model
//
// A stage writes into OUT/<name>; when it completes it leaves OUT/<name>/done.json, and a rerun
// skips it. A train stage in progress resumes from its checkpoint.
package recipes

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"colash/engine/rl"
	"colash/engine/search"
	"colash/engine/search/qlearn"
	"colash/engine/taskeval"
	"colash/engine/train"
)

// Recipe is one experiment.
type Recipe struct {
	Name   string  `toml:"name"`  // the experiment's name (results/<name> by default)
	Out    string  `toml:"out"`   // results folder (relative to the recipe file); default results/<name>
	Model  Model   `toml:"model"` // the checkpoint the stages start from
	Stages []Stage `toml:"stage"` // run in order
	// TargetReward > 0: results.json and report.md give each RL stage's compute (steps, seconds,
	// rollout tokens) until its 10-step mean reward reached it.
	TargetReward float64 `toml:"target_reward"`

	path    string
	smoke   bool   // Smoke was called: stages measure less too
	command string // the command line that ran it
}

// Model says which checkpoint the stages start from and where tensors live.
type Model struct {
	Path    string `toml:"path"`    // "" = the shipped default
	Device  string `toml:"device"`  // cpu, cuda, cuda:N or auto ("": cpu)
	DType   string `toml:"dtype"`   // compute dtype: f32, f16 or bf16 ("": f32)
	Threads int    `toml:"threads"` // CPU threads (0: all cores)
}

// Stage is one step of a recipe; the table of its kind holds its settings.
type Stage struct {
	Name   string       `toml:"name"`   // its folder in the results; "@name" refers to its output
	Kind   string       `toml:"kind"`   // one of Kinds: the table it reads
	Model  string       `toml:"model"`  // "" = the recipe's model; "@stage" = that stage's model
	Sample *SampleStage `toml:"sample"` // kind sample's settings
	Train  *train.Job   `toml:"train"`  // kind train's
	Report *ReportStage `toml:"report"` // kind report's
	Eval   *Eval        `toml:"eval"`   // kind eval's
	RL     *rl.Job      `toml:"rl"`     // kind rl's
	RM     *RMJob       `toml:"rm"`     // kind rm's

	QCollect *qlearn.CollectJob `toml:"qnet-collect"` // kind qnet-collect's: samples for the Q-network
	QTrain   *qlearn.TrainJob   `toml:"qnet-train"`   // kind qnet-train's: the Q-network
	Search   *search.Job        `toml:"search"`       // kind search's: methods evaluated

	Corpus   *CorpusStage   `toml:"corpus"`    // kind corpus's: the testbed's text and tokenizer
	TaskEval *TaskEvalStage `toml:"task-eval"` // kind task-eval's: a testbed task's accuracy
}

// decodeSearch reads a search table over the defaults of the preset it names (config).
func decodeSearch(md toml.MetaData, p toml.Primitive) (*search.Job, error) {
	var which struct {
		Preset string `toml:"config"`
	}
	if err := md.PrimitiveDecode(p, &which); err != nil {
		return nil, err
	}
	j, err := search.JobWithPreset(cmp.Or(which.Preset, "math500"))
	if err != nil {
		return nil, err
	}
	return &j, md.PrimitiveDecode(p, &j)
}

// Kinds are the stage kinds a recipe can run.
var Kinds = []string{"sample", "train", "rl", "report", "eval", "rm", "qnet-collect", "qnet-train", "search", "corpus", "task-eval"}

// modelKinds are the kinds of stage that leave a model in OUT/<stage>/model.
var modelKinds = []string{"train", "rl"}

// rawRecipe is a recipe as read, before each stage's table is decoded over its defaults.
type rawRecipe struct {
	Name         string     `toml:"name"`
	Out          string     `toml:"out"`
	Model        Model      `toml:"model"`
	Stages       []rawStage `toml:"stage"`
	TargetReward float64    `toml:"target_reward"`
}

type rawStage struct {
	Name   string         `toml:"name"`
	Kind   string         `toml:"kind"`
	Model  string         `toml:"model"`
	Sample toml.Primitive `toml:"sample"`
	Train  toml.Primitive `toml:"train"`
	Report toml.Primitive `toml:"report"`
	Eval   toml.Primitive `toml:"eval"`
	RL     toml.Primitive `toml:"rl"`
	RM     toml.Primitive `toml:"rm"`

	QCollect toml.Primitive `toml:"qnet-collect"`
	QTrain   toml.Primitive `toml:"qnet-train"`
	Search   toml.Primitive `toml:"search"`

	Corpus   toml.Primitive `toml:"corpus"`
	TaskEval toml.Primitive `toml:"task-eval"`
}

// Load reads and checks a recipe.
func Load(path string) (*Recipe, error) { return LoadWith(path, nil) }

// LoadWith reads a recipe with `--set key=value` overrides (see applyOverrides) and checks it:
// unknown keys and bad values are errors with the file's line, and the models and data files it
// names must exist.
func LoadWith(path string, sets []string) (*Recipe, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	if text, err = applyOverrides(text, sets); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	var raw rawRecipe
	md, err := toml.Decode(string(text), &raw)
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	// Which kind tables each stage has (MetaData does not tell the stages of an array apart).
	var present struct {
		Stages []map[string]any `toml:"stage"`
	}
	if _, err := toml.Decode(string(text), &present); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	r := Recipe{Name: raw.Name, Out: raw.Out, Model: raw.Model, TargetReward: raw.TargetReward, path: path}
	for i, rs := range raw.Stages {
		st := Stage{Name: rs.Name, Kind: rs.Kind, Model: rs.Model}
		has := func(k string) bool { _, ok := present.Stages[i][k]; return ok }
		var err error
		if has("sample") {
			st.Sample = &SampleStage{SampleConfig: train.DefaultSample}
			err = md.PrimitiveDecode(rs.Sample, st.Sample)
		}
		if has("train") && err == nil {
			// The defaults depend on the stage the table names: read it first.
			var which struct {
				Stage train.Stage `toml:"stage"`
			}
			if err = md.PrimitiveDecode(rs.Train, &which); err == nil {
				st.Train = train.NewJob(which.Stage)
				err = md.PrimitiveDecode(rs.Train, st.Train)
			}
		}
		if has("report") && err == nil {
			st.Report = defaultReportStage()
			err = md.PrimitiveDecode(rs.Report, st.Report)
		}
		if has("eval") && err == nil {
			e := DefaultEval()
			st.Eval = &e
			err = md.PrimitiveDecode(rs.Eval, st.Eval)
		}
		if has("rl") && err == nil {
			j := rl.DefaultJob()
			st.RL = &j
			err = md.PrimitiveDecode(rs.RL, st.RL)
		}
		if has("rm") && err == nil {
			st.RM = NewRMJob()
			err = md.PrimitiveDecode(rs.RM, st.RM)
		}
		if has("qnet-collect") && err == nil {
			c := qlearn.DefaultCollect()
			st.QCollect = &c
			err = md.PrimitiveDecode(rs.QCollect, st.QCollect)
		}
		if has("qnet-train") && err == nil {
			t := qlearn.DefaultTrain()
			st.QTrain = &t
			err = md.PrimitiveDecode(rs.QTrain, st.QTrain)
		}
		if has("search") && err == nil {
			st.Search, err = decodeSearch(md, rs.Search)
		}
		if has("corpus") && err == nil {
			st.Corpus = defaultCorpusStage()
			err = md.PrimitiveDecode(rs.Corpus, st.Corpus)
		}
		if has("task-eval") && err == nil {
			// The defaults depend on the task the table names: read it first.
			var which struct {
				Task string `toml:"task"`
			}
			if err = md.PrimitiveDecode(rs.TaskEval, &which); err == nil {
				st.TaskEval = &TaskEvalStage{taskeval.DefaultJob(which.Task)}
				err = md.PrimitiveDecode(rs.TaskEval, st.TaskEval)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("recipe %s: stage %d (%s): %w", path, i+1, rs.Name, err)
		}
		r.Stages = append(r.Stages, st)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, unknownKeys(path, text, un)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	if err := r.checkFiles(); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	return &r, nil
}

func (r *Recipe) validate() error {
	if r.Name == "" {
		return fmt.Errorf("name is required")
	}
	if len(r.Stages) == 0 {
		return fmt.Errorf("no [[stage]]: a recipe runs at least one")
	}
	seen := map[string]string{} // stage name -> kind
	for i, s := range r.Stages {
		if s.Name == "" || strings.ContainsAny(s.Name, "/@ ") {
			return fmt.Errorf("stage %d: name is required (letters, digits, - and _)", i+1)
		}
		if _, dup := seen[s.Name]; dup {
			return fmt.Errorf("stage %q: the name is used twice", s.Name)
		}
		if err := s.validate(seen); err != nil {
			return fmt.Errorf("stage %q: %w", s.Name, err)
		}
		seen[s.Name] = s.Kind
	}
	return nil
}

// validate checks a stage against the stages before it (name -> kind).
func (s *Stage) validate(before map[string]string) error {
	if err := refersTo(s.Model, before, "model", modelKinds...); err != nil {
		return err
	}
	tables := map[string]bool{"sample": s.Sample != nil, "train": s.Train != nil, "report": s.Report != nil,
		"eval": s.Eval != nil, "rl": s.RL != nil, "rm": s.RM != nil,
		"qnet-collect": s.QCollect != nil, "qnet-train": s.QTrain != nil, "search": s.Search != nil,
		"corpus": s.Corpus != nil, "task-eval": s.TaskEval != nil}
	if !tables[s.Kind] {
		if _, known := tables[s.Kind]; !known {
			return fmt.Errorf("kind %q is not one of %s", s.Kind, strings.Join(Kinds, ", "))
		}
		return fmt.Errorf("kind %s needs a [stage.%s] table", s.Kind, s.Kind)
	}
	for k, set := range tables {
		if set && k != s.Kind {
			return fmt.Errorf("a %s stage has a [stage.%s] table", s.Kind, k)
		}
	}
	switch s.Kind {
	case "sample":
		return s.Sample.validate()
	case "corpus":
		return s.Corpus.validate()
	case "task-eval":
		return s.TaskEval.validate()
	case "train":
		return validateTrain(s.Train, before)
	case "report":
		return s.Report.validate(before)
	case "rl":
		if err := refersTo(s.RL.RewardModel, before, "reward_model", "rm"); err != nil {
			return err
		}
		return s.RL.Validate()
	case "rm":
		return s.RM.validate(before)
	case "qnet-collect":
		return s.QCollect.Validate()
	case "qnet-train":
		if err := refersTo(s.QTrain.Data, before, "data", "qnet-collect"); err != nil {
			return err
		}
		return s.QTrain.Validate()
	case "search":
		if err := refersTo(s.Search.QNet, before, "qnet", "qnet-train"); err != nil {
			return err
		}
		if err := refersTo(s.Search.RewardModel, before, "reward_model", "rm"); err != nil {
			return err
		}
		return s.Search.Validate()
	}
	return s.Eval.validate()
}

// refersTo checks that ref, when it is "@name", names an earlier stage of one of the given kinds.
func refersTo(ref string, before map[string]string, what string, kinds ...string) error {
	name, ok := strings.CutPrefix(ref, "@")
	if !ok {
		return nil
	}
	got, exists := before[name]
	switch {
	case !exists:
		return fmt.Errorf("%s %q: no earlier stage is named %q", what, ref, name)
	case !slices.Contains(kinds, got):
		return fmt.Errorf("%s %q: stage %q is a %s stage, which makes no %s", what, ref, name, got, what)
	}
	return nil
}
