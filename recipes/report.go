package recipes

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"colash/engine/plot"
	"colash/engine/run"
	"colash/model/atomic"
)

// curves are the metrics plotted for a kind of stage that logs metrics.jsonl: one PNG per metric,
// with every stage of that kind that logs it on the same plot, so runs compare directly.
func curves(kindName string) []string {
	k, _ := kindNamed(kindName)
	return k.curves
}

// writeConfig saves the recipe as it ran: every default filled in, overrides applied.
func writeConfig(r *Recipe, out string) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s as run (defaults filled in, --set overrides applied%s)\n", r.Name, map[bool]string{true: ", --smoke"}[r.smoke])
	if err := toml.NewEncoder(&buf).Encode(r.withAbsolutePaths().document()); err != nil {
		return err
	}
	return atomic.WriteFile(filepath.Join(out, "config.toml"), buf.Bytes())
}

// document is the recipe as a TOML document: each stage's table under its kind's name.
func (r *Recipe) document() map[string]any {
	stages := make([]map[string]any, len(r.Stages))
	for i, s := range r.Stages {
		stages[i] = map[string]any{"name": s.Name, "kind": s.Kind, "model": s.Model, s.Kind: s.Job}
	}
	return map[string]any{"name": r.Name, "out": r.Out, "model": r.Model, "target_reward": r.TargetReward, "stage": stages}
}

// writePlots draws each curve of the stages that log it into OUT/plots/<metric>.png.
func writePlots(r *Recipe, out string) ([]string, error) {
	byMetric := map[string][]plot.Series{}
	for _, s := range r.Stages {
		for _, key := range curves(s.Kind) {
			pts, err := plot.Metric(filepath.Join(out, s.Name, "metrics.jsonl"), key, 1)
			if err == nil && len(pts) > 1 {
				byMetric[key] = append(byMetric[key], plot.Series{Label: s.Name, Points: pts})
			}
		}
	}
	var files []string
	for key, series := range byMetric {
		name := strings.ReplaceAll(key, "/", "_") + ".png"
		if err := os.MkdirAll(filepath.Join(out, "plots"), 0o755); err != nil {
			return nil, err
		}
		if err := plot.Lines(filepath.Join(out, "plots", name), r.Name+": "+key, key, series); err != nil {
			return nil, err
		}
		files = append(files, filepath.Join("plots", name))
	}
	sort.Strings(files)
	return files, nil
}

// writeReport writes OUT/report.md: what ran, each stage's headline numbers and curve, the plots
// and the command that reruns it.
func writeReport(r *Recipe, res *Results, out, command string, plots []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nModel: `%s`. Finished %s; this run took %.0f s.\n\n", r.Name, cmp.Or(r.Model.Path, "(shipped default)"), res.Finished.Format("2006-01-02 15:04 MST"), res.Seconds)
	if r.smoke {
		b.WriteString("**Smoke run** (`--smoke`): every stage shrunk to seconds; the numbers check the pipeline, not the experiment.\n\n")
	}
	b.WriteString("| stage | kind | seconds | results | curve |\n|---|---|---:|---|---|\n")
	for _, sr := range res.Stages {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s |\n", sr.Stage, sr.Kind, sr.Seconds, sr.Headline(), stageSparkline(r, out, sr))
	}
	if len(res.ToTarget) > 0 {
		fmt.Fprintf(&b, "\n## Compute to reach reward %.3g (10-step mean)\n\n| stage | reached | step | seconds | rollout tokens |\n|---|---|---:|---:|---:|\n", r.TargetReward)
		for _, s := range r.Stages {
			if t := res.ToTarget[s.Name]; t != nil {
				fmt.Fprintf(&b, "| %s | %v | %d | %.0f | %.0f |\n", s.Name, t.Reached, t.Step, t.Seconds, t.Tokens)
			}
		}
	}
	if len(plots) > 0 {
		b.WriteString("\n## Curves\n\n")
		for _, p := range plots {
			fmt.Fprintf(&b, "![%s](%s)\n", strings.TrimSuffix(filepath.Base(p), ".png"), p)
		}
	}
	fmt.Fprintf(&b, "\n## Rerun\n\n```\n%s\n```\n\nThe resolved settings are in `config.toml`; every stage's own files are in its folder.\n", command)
	return atomic.WriteFile(filepath.Join(out, "report.md"), []byte(b.String()))
}

// stageSparkline draws the stage's first curve metric as a line of block characters.
func stageSparkline(r *Recipe, out string, sr StageResult) string {
	keys := curves(sr.Kind)
	if len(keys) == 0 {
		return ""
	}
	lines, err := run.ReadMetrics(filepath.Join(out, sr.Stage, "metrics.jsonl"))
	if err != nil {
		return ""
	}
	var vals []float64
	for _, m := range lines {
		if f, ok := m[keys[0]].(float64); ok {
			vals = append(vals, f)
		}
	}
	if len(vals) < 2 {
		return ""
	}
	return fmt.Sprintf("%s `%s` %.3g→%.3g", keys[0], Sparkline(vals, 40), vals[0], vals[len(vals)-1])
}

// Sparkline draws values as at most width block characters (each the mean of its bucket).
func Sparkline(vals []float64, width int) string {
	if len(vals) == 0 {
		return ""
	}
	n := min(width, len(vals))
	means := make([]float64, n)
	lo, hi := 0.0, 0.0
	for i := range n {
		a, b := i*len(vals)/n, (i+1)*len(vals)/n
		for _, v := range vals[a:b] {
			means[i] += v / float64(b-a)
		}
		if i == 0 || means[i] < lo {
			lo = means[i]
		}
		if i == 0 || means[i] > hi {
			hi = means[i]
		}
	}
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	var s strings.Builder
	for _, m := range means {
		i := 0
		if hi > lo {
			i = int((m - lo) / (hi - lo) * float64(len(levels)-1))
		}
		s.WriteRune(levels[i])
	}
	return s.String()
}
