package colash

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// RecipeRun is a finished recipe run read back from its folder (colash recipe run --out DIR):
// results.json and the curves in plots/.
type RecipeRun struct {
	Dir     string
	Recipe  string
	Model   string
	Smoke   bool
	Seconds float64
	Stages  []RecipeStage
	Plots   []string // plots/*.png, relative to Dir, sorted
	// ToTarget is, per RL stage of a recipe with target_reward, the compute it took to reach it
	ToTarget map[string]*RecipeTarget `json:"to_target"`
}

// RecipeTarget is an RL stage's compute to the recipe's target reward (10-step mean).
type RecipeTarget struct {
	Reached bool
	Step    int     // the step it was reached at (or the last step)
	Seconds float64 // of the steps up to it
	Tokens  float64 // rollout tokens up to it
}

// RecipeStage is one stage's result: its kind, time and metrics as results.json holds them.
type RecipeStage struct {
	Stage   string         `json:"stage"`
	Kind    string         `json:"kind"`
	Seconds float64        `json:"seconds"`
	Metrics map[string]any `json:"metrics"`
}

// RecipeResults reads the run folder dir of a recipe (where results.json and plots/ are).
//
//	r := colash.RecipeResults("runs/countdown")
//	r.Metric("latent", "final.reward/mean")
func RecipeResults(dir string) *RecipeRun {
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		fail("recipe results", fmt.Errorf("%w (a finished colash recipe run writes it)", err))
	}
	r := &RecipeRun{Dir: dir}
	if err := json.Unmarshal(b, r); err != nil {
		fail("recipe results", fmt.Errorf("%s: %w", filepath.Join(dir, "results.json"), err))
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "plots", "*.png"))
	for _, p := range pngs {
		r.Plots = append(r.Plots, filepath.ToSlash(filepath.Join("plots", filepath.Base(p))))
	}
	slices.Sort(r.Plots)
	return r
}

// Metric is the number at a dotted path of a stage's metrics ("final.reward/mean": a key may
// hold a slash).
func (r *RecipeRun) Metric(stage, path string) float64 {
	for _, s := range r.Stages {
		if s.Stage != stage {
			continue
		}
		if f, ok := s.number(path); ok {
			return f
		}
		fail("recipe metric", fmt.Errorf("stage %s has no number at %q", stage, path))
	}
	fail("recipe metric", fmt.Errorf("%s has no stage %q", r.Recipe, stage))
	return 0
}

// headlineKeys are the numbers of a stage's metrics shown in the table, where a stage has them
// (RL, training, reward-model, evaluation and report stages), as dotted paths.
var headlineKeys = []string{"final.reward/mean", "final.kl", "nll_before", "nll_after", "loss", "ce", "acc",
	"held_out_acc", "Overall.Problems", "Overall.Correct", "Overall.PassAtK", "Overall.MajAtK", "texts", "tokens",
	"Fluency.Ratio", "PolicyAcc"}

// maxHeadline bounds the numbers shown per stage in the table.
const maxHeadline = 6

// number is the number at a dotted path of the stage's metrics.
func (s RecipeStage) number(path string) (float64, bool) {
	var v any = s.Metrics
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	f, ok := v.(float64)
	return f, ok
}

// headline lists the stage's headline numbers as "key value" (else its top-level numbers).
func (s RecipeStage) headline() string {
	var parts []string
	for _, k := range headlineKeys {
		if f, ok := s.number(k); ok && len(parts) < maxHeadline {
			parts = append(parts, fmt.Sprintf("%s %.4g", k, f))
		}
	}
	if len(parts) == 0 {
		for _, k := range slices.Sorted(maps.Keys(s.Metrics)) {
			if f, ok := s.Metrics[k].(float64); ok && len(parts) < maxHeadline {
				parts = append(parts, fmt.Sprintf("%s %.4g", k, f))
			}
		}
	}
	return strings.Join(parts, ", ")
}

func (r *RecipeRun) rows() (header []string, rows [][]string) {
	header = []string{"stage", "kind", "seconds", "results"}
	if len(r.ToTarget) > 0 {
		header = append(header, "to target reward")
	}
	for _, s := range r.Stages {
		row := []string{s.Stage, s.Kind, fmt.Sprintf("%.0f", s.Seconds), s.headline()}
		if len(r.ToTarget) > 0 {
			row = append(row, r.ToTarget[s.Stage].String())
		}
		rows = append(rows, row)
	}
	return header, rows
}

func (t *RecipeTarget) String() string {
	switch {
	case t == nil:
		return ""
	case t.Reached:
		return fmt.Sprintf("step %d, %.0f s, %.0f tokens", t.Step, t.Seconds, t.Tokens)
	}
	return fmt.Sprintf("not in %d steps (%.0f s, %.0f tokens)", t.Step, t.Seconds, t.Tokens)
}

func (r *RecipeRun) title() string {
	smoke := ""
	if r.Smoke {
		smoke = ", smoke run"
	}
	return fmt.Sprintf("recipe %s on %s: %d stages in %.0f s%s", r.Recipe, r.Model, len(r.Stages), r.Seconds, smoke)
}

// String is the stages as a table, with the plots' files.
func (r *RecipeRun) String() string {
	s := r.title() + "\n" + renderTable(r.rows())
	for _, p := range r.Plots {
		s += "\n" + p
	}
	return s
}

// Display renders the stages as an HTML table followed by every plot inline; image/png is the
// first plot (what a markdown notebook saves).
func (r *RecipeRun) Display() map[string][]byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s</p>\n%s", html.EscapeString(r.title()), htmlTable(r.rows()))
	out := map[string][]byte{"text/plain": []byte(r.String())}
	for _, p := range r.Plots {
		png, err := os.ReadFile(filepath.Join(r.Dir, p))
		if err != nil {
			continue
		}
		if out["image/png"] == nil {
			out["image/png"] = png
		}
		fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s</figcaption></figure>\n",
			html.EscapeString(p), base64.StdEncoding.EncodeToString(png), html.EscapeString(p))
	}
	out["text/html"] = []byte(b.String())
	return out
}
