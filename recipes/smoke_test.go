package recipes

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every shipped recipe runs end to end with --smoke and leaves its results, the recipe as run
// (loadable again), report.md and a decodable plot of each curve its stages log.
func TestEveryRecipeSmokes(t *testing.T) {
	for _, f := range shipped(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".toml"), func(t *testing.T) {
			r, err := loadShipped(t, f)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			r.SetOut(out)
			r.Smoke()
			res, err := Run(context.Background(), r, nil)
			if err != nil {
				t.Fatal(err)
			}
			var back Results
			b, err := os.ReadFile(filepath.Join(out, "results.json"))
			if err != nil || json.Unmarshal(b, &back) != nil || len(back.Stages) != len(r.Stages) || !back.Smoke {
				t.Fatalf("results.json: %v %s", err, b)
			}
			again, err := Load(filepath.Join(out, "config.toml"))
			if err != nil || len(again.Stages) != len(r.Stages) {
				t.Fatalf("config.toml does not load back: %v", err)
			}
			report, err := os.ReadFile(filepath.Join(out, "report.md"))
			if err != nil || !strings.Contains(string(report), "| "+r.Stages[0].Name+" | "+r.Stages[0].Kind+" |") {
				t.Fatalf("report.md: %v\n%s", err, report)
			}
			for _, s := range res.Stages {
				if len(curves(s.Kind)) == 0 {
					continue
				}
				key := strings.ReplaceAll(curves(s.Kind)[0], "/", "_")
				fp, err := os.Open(filepath.Join(out, "plots", key+".png"))
				if err != nil {
					t.Fatalf("stage %s: %v", s.Stage, err)
				}
				_, err = png.DecodeConfig(fp)
				fp.Close()
				if err != nil || !strings.Contains(string(report), "plots/"+key+".png") {
					t.Errorf("plot %s: %v (linked in report.md: %v)", key, err, strings.Contains(string(report), key))
				}
			}
		})
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: %q", got)
	}
	if got := Sparkline([]float64{1, 1, 3, 3}, 2); got != "▁█" {
		t.Errorf("bucket means: %q", got)
	}
	if got := Sparkline([]float64{2, 2, 2}, 10); got != "▁▁▁" {
		t.Errorf("flat: %q", got)
	}
}
