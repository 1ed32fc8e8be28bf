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
		var v any = s.Metrics
		for _, k := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if f, ok := v.(float64); ok {
			return f
		}
		fail("recipe metric", fmt.Errorf("stage %s has no number at %q", stage, path))
	}
	fail("recipe metric", fmt.Errorf("%s has no stage %q", r.Recipe, stage))
	return 0
}

// maxHeadline bounds the numbers shown per stage in the table.
const maxHeadline = 6

// headline lists a stage's numeric metrics (top level, then one level down) as "key value".
func (s RecipeStage) headline() string {
	var parts []string
	add := func(prefix string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if f, ok := m[k].(float64); ok && len(parts) < maxHeadline {
				parts = append(parts, fmt.Sprintf("%s%s %.4g", prefix, k, f))
			}
		}
	}
	add("", s.Metrics)
	for _, k := range slices.Sorted(maps.Keys(s.Metrics)) {
		if sub, ok := s.Metrics[k].(map[string]any); ok {
			add(k+".", sub)
		}
	}
	return strings.Join(parts, ", ")
}

func (r *RecipeRun) rows() [][]string {
	rows := make([][]string, len(r.Stages))
	for i, s := range r.Stages {
		rows[i] = []string{s.Stage, s.Kind, fmt.Sprintf("%.0f", s.Seconds), s.headline()}
	}
	return rows
}

var recipeHeader = []string{"stage", "kind", "seconds", "results"}

func (r *RecipeRun) title() string {
	smoke := ""
	if r.Smoke {
		smoke = ", smoke run"
	}
	return fmt.Sprintf("recipe %s on %s: %d stages in %.0f s%s", r.Recipe, r.Model, len(r.Stages), r.Seconds, smoke)
}

// String is the stages as a table, with the plots' files.
func (r *RecipeRun) String() string {
	s := r.title() + "\n" + renderTable(recipeHeader, r.rows())
	for _, p := range r.Plots {
		s += "\n" + p
	}
	return s
}

// Display renders the stages as an HTML table followed by every plot inline; image/png is the
// first plot (what a markdown notebook saves).
func (r *RecipeRun) Display() map[string][]byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s</p>\n%s", html.EscapeString(r.title()), htmlTable(recipeHeader, r.rows()))
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
