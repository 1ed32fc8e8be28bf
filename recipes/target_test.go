package recipes

import (
	"os"
	"path/filepath"
	"testing"
)

func TestToTarget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	var lines string
	for i, r := range []float64{0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1} {
		lines += `{"step": ` + string(rune('0'+i%10)) + `, "reward/mean": ` + map[bool]string{true: "1", false: "0"}[r == 1] + `, "time/step": 2, "completions/mean_length": 3}` + "\n"
	}
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	// The 10-step mean first reaches 0.8 at the 10th line (8 of 10 ones).
	got, err := toTarget(path, 0.8, 4)
	if err != nil || !got.Reached || got.Seconds != 20 || got.Tokens != 10*3*4 {
		t.Fatalf("toTarget: %+v %v", got, err)
	}
	if got, _ := toTarget(path, 1.1, 4); got.Reached || got.Seconds != 26 {
		t.Errorf("unreachable target: %+v", got)
	}
}
