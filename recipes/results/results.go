// Package results is the results.json of a recipe run and the headline numbers of each kind of
// stage: what the runner writes and report.md shows, and what scripts read back
// (colash.RecipeResults). It links no tensor engine.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Results is what results.json holds.
type Results struct {
	Recipe   string               `json:"recipe"`
	Model    string               `json:"model"`
	Smoke    bool                 `json:"smoke,omitempty"`
	ToTarget map[string]*ToTarget `json:"to_target,omitempty"` // per RL stage, with target_reward
	Finished time.Time            `json:"finished"`
	Seconds  float64              `json:"seconds"` // this run's time
	Stages   []Stage              `json:"stages"`
}

// Stage is one stage's outcome, as OUT/<stage>/done.json and results.json hold it.
type Stage struct {
	Stage    string    `json:"stage"`
	Kind     string    `json:"kind"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"` // this stage's run (0 when an earlier run completed it)
	Metrics  any       `json:"metrics"`
}

// ToTarget is the compute an RL stage spent before its reward reached the recipe's
// target_reward (a 10-step trailing mean).
type ToTarget struct {
	Reached bool    `json:"reached"`
	Step    int     `json:"step"`    // the step it was reached at (or the last step)
	Seconds float64 `json:"seconds"` // wall-clock of the steps up to it (time/step summed)
	Tokens  float64 `json:"tokens"`  // rollout tokens generated up to it (completion tokens x samples)
}

// Read reads dir/results.json.
func Read(dir string) (*Results, error) {
	path := filepath.Join(dir, "results.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (a finished colash recipe run writes it)", err)
	}
	r := &Results{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Headlines are the numbers of each kind of stage's result that tables show, as dotted paths.
var Headlines = map[string][]string{
	"sample":       {"texts", "tokens"},
	"train":        {"loss", "ce", "acc", "alive"},
	"rl":           {"final.reward/mean", "final.kl", "nll_before", "nll_after", "final.completions/distinct2", "frozen_unchanged"},
	"rm":           {"held_out_acc_init", "held_out_acc", "held_out_pairs", "train_pairs"},
	"report":       {"Fluency.Ratio", "Alive", "PolicyAcc", "WorldNLL", "BackboneNLL"},
	"eval":         {"Samples", "Overall.Problems", "Overall.Correct", "Overall.PassAtK", "Overall.MajAtK"},
	"qnet-collect": {"samples", "mean_reward", "solved"},
	"qnet-train":   {"loss"},
	"task-eval":    {"accuracy", "ci_low", "ci_high", "n"},
	"search":       {"greedy.success_rate", "best-of-n.success_rate", "mcts.success_rate", "mcts-q.success_rate", "mcts-q.forward_tokens_per_problem"},
}

// Headline is the stage's headline numbers as "path value, ...".
func (s Stage) Headline() string {
	var v any
	raw, _ := json.Marshal(s.Metrics)
	json.Unmarshal(raw, &v)
	var parts []string
	for _, path := range Headlines[s.Kind] {
		if x, ok := Lookup(v, path); ok {
			if f, isNum := x.(float64); isNum {
				x = fmt.Sprintf("%.4g", f)
			}
			parts = append(parts, fmt.Sprintf("%s %v", path, x))
		}
	}
	return strings.Join(parts, ", ")
}

// Lookup follows a dotted path of map keys (a key may itself hold a slash, as reward/mean).
func Lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, v != nil
}
