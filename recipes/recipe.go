// Package recipes reads TOML recipes, each of which reproduces one experiment (a Math500
// evaluation, later RL and search runs), and runs them with progress, resumable state and a
// results file. Unknown keys are errors: a typo must not silently fall back to a default.
package recipes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Recipe is one experiment.
type Recipe struct {
	Name  string `toml:"name"`
	Kind  string `toml:"kind"` // "eval"
	Out   string `toml:"out"`  // results folder (relative to the recipe file); default results/<name>
	Model Model  `toml:"model"`
	Eval  Eval   `toml:"eval"` // starts from DefaultEval

	path string
}

// Model says which checkpoint to load and where.
type Model struct {
	Path    string `toml:"path"` // "" = the shipped default
	Device  string `toml:"device"`
	DType   string `toml:"dtype"`
	Threads int    `toml:"threads"`
}

// Kinds are the experiments a recipe can run.
var Kinds = []string{"eval"}

// Load reads and checks a recipe.
func Load(path string) (*Recipe, error) {
	r := Recipe{Eval: DefaultEval()}
	md, err := toml.DecodeFile(path, &r)
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("recipe %s: unknown keys %s", path, strings.Join(keys, ", "))
	}
	r.path = path
	if err := r.validate(md); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", path, err)
	}
	return &r, nil
}

func (r *Recipe) validate(md toml.MetaData) error {
	if r.Name == "" {
		return fmt.Errorf("name is required")
	}
	switch r.Kind {
	case "eval":
		if !md.IsDefined("eval") {
			return fmt.Errorf("kind eval needs an [eval] table")
		}
		return r.Eval.validate()
	case "":
		return fmt.Errorf("kind is required (one of %s)", strings.Join(Kinds, ", "))
	}
	return fmt.Errorf("kind %q is not one of %s", r.Kind, strings.Join(Kinds, ", "))
}
