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
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
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

// Stage is one step of a recipe; the table of its kind ([stage.KIND]) holds its settings.
type Stage struct {
	Name  string `toml:"name"`  // its folder in the results; "@name" refers to its output
	Kind  string `toml:"kind"`  // one of Kinds: the table it reads
	Model string `toml:"model"` // "" = the recipe's model; "@stage" = that stage's model
	Job   Job    `toml:"-"`     // the kind's table, decoded over its defaults
}

// stageKeys are a stage's own keys, beside its kind's table.
var stageKeys = tomlKeys(reflect.TypeFor[Stage]())

// rawRecipe is a recipe as read, before each stage's table is decoded over its defaults.
type rawRecipe struct {
	Name         string                      `toml:"name"`
	Out          string                      `toml:"out"`
	Model        Model                       `toml:"model"`
	Stages       []map[string]toml.Primitive `toml:"stage"`
	TargetReward float64                     `toml:"target_reward"`
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
	r := Recipe{Name: raw.Name, Out: raw.Out, Model: raw.Model, TargetReward: raw.TargetReward, path: path}
	var unknown []toml.Key
	for i, rs := range raw.Stages {
		st, extra, err := readStage(md, rs)
		if err != nil {
			return nil, fmt.Errorf("recipe %s: stage %d (%s): %w", path, i+1, st.Name, err)
		}
		unknown = append(unknown, extra...)
		r.Stages = append(r.Stages, st)
	}
	if un := append(unknown, md.Undecoded()...); len(un) > 0 {
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

// readStage decodes a [[stage]]: its own keys, and its kind's table over the kind's defaults.
// A key that is neither is returned as unknown; a table of another kind is an error.
func readStage(md toml.MetaData, rs map[string]toml.Primitive) (st Stage, unknown []toml.Key, err error) {
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &st.Name}, {"kind", &st.Kind}, {"model", &st.Model}} {
		if p, ok := rs[f.key]; ok {
			if err := md.PrimitiveDecode(p, f.dst); err != nil {
				return st, nil, fmt.Errorf("%s: %w", f.key, err)
			}
		}
	}
	k, known := kindNamed(st.Kind)
	if !known {
		return st, nil, fmt.Errorf("kind %q is not one of %s", st.Kind, strings.Join(Kinds, ", "))
	}
	for _, key := range slices.Sorted(maps.Keys(rs)) { // sorted: the same error every time
		p := rs[key]
		switch _, other := kindNamed(key); {
		case slices.Contains(stageKeys, key):
		case key == st.Kind:
			if st.Job, err = k.read(md, p); err != nil {
				return st, nil, err
			}
		case other:
			return st, nil, fmt.Errorf("a %s stage has a [stage.%s] table", st.Kind, key)
		default:
			unknown = append(unknown, toml.Key{"stage", key})
		}
	}
	if st.Job == nil {
		return st, nil, fmt.Errorf("kind %s needs a [stage.%s] table", st.Kind, st.Kind)
	}
	return st, unknown, nil
}

// Smoke shrinks every stage to seconds of work, keeping its shape (the same stages, kinds,
// models and data flow), so that CI can run every recipe end to end: `colash recipe run --smoke`.
func (r *Recipe) Smoke() {
	r.smoke = true
	for _, s := range r.Stages {
		s.Job.Smoke()
	}
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

// validate checks a stage against the stages before it (name -> kind): its references by what
// they name, then its settings.
func (s *Stage) validate(before map[string]string) error {
	for _, rf := range s.refs() {
		if rf.What == job.FileRef {
			if strings.HasPrefix(*rf.P, "@") {
				return fmt.Errorf("%s %q: names a file, not an earlier stage", rf.Key, *rf.P)
			}
			continue
		}
		if err := refersTo(*rf.P, before, rf.Key, kindsMaking(rf.What)...); err != nil {
			return err
		}
	}
	return s.Job.Validate()
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
