package colash

import (
	"colash/recipes/results"
	"encoding/base64"
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
	res, err := results.Read(dir)
	if err != nil {
		fail("recipe results", err)
	}
	r := &RecipeRun{Dir: dir, Recipe: res.Recipe, Model: res.Model, Smoke: res.Smoke, Seconds: res.Seconds,
		ToTarget: map[string]*RecipeTarget{}}
	for name, t := range res.ToTarget {
		r.ToTarget[name] = &RecipeTarget{Reached: t.Reached, Step: t.Step, Seconds: t.Seconds, Tokens: t.Tokens}
	}
	for _, s := range res.Stages {
		m, _ := s.Metrics.(map[string]any)
		r.Stages = append(r.Stages, RecipeStage{Stage: s.Stage, Kind: s.Kind, Seconds: s.Seconds, Metrics: m})
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

// number is the number at a dotted path of the stage's metrics.
func (s RecipeStage) number(path string) (float64, bool) {
	v, _ := results.Lookup(s.Metrics, path)
	f, ok := v.(float64)
	return f, ok
}

// headline lists the stage's headline numbers as report.md does (else its top-level numbers).
func (s RecipeStage) headline() string {
	if h := (results.Stage{Kind: s.Kind, Metrics: s.Metrics}).Headline(); h != "" {
		return h
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Metrics)) {
		if f, ok := s.Metrics[k].(float64); ok && len(parts) < maxHeadline {
			parts = append(parts, fmt.Sprintf("%s %.4g", k, f))
		}
	}
	return strings.Join(parts, ", ")
}

// maxHeadline bounds the numbers shown for a stage of a kind without headlines.
const maxHeadline = 6

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
