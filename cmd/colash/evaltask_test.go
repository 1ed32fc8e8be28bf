package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// eval countdown|arith --search is colash search on the held-out problems with answers capped at
// the task's completion length, which a later --answer-tokens overrides.
func TestEvalTaskSearchCapsAnswersAtTheTasksLength(t *testing.T) {
	for _, c := range []struct {
		task string
		args []string
		want []string
	}{
		{"countdown", []string{"--budget", "100"}, []string{"--task", "cd4-test", "--methods", "mcts", "--n", "100", "--answer-tokens", "400", "--budget", "100"}},
		{"countdown", []string{"--level", "cd3", "--n", "7"}, []string{"--task", "cd3-test", "--methods", "mcts", "--n", "7", "--answer-tokens", "400"}},
		{"arith", []string{"--answer-tokens", "50"}, []string{"--task", "arith-test", "--methods", "mcts", "--n", "100", "--answer-tokens", "360", "--answer-tokens", "50"}},
	} {
		got, err := taskSearchArgs(c.task, "mcts", c.args)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s %v: %v %v, want %v", c.task, c.args, got, err, c.want)
		}
	}
	if _, err := taskSearchArgs("countdown", "mcts", []string{"--seed", "3"}); err == nil || !strings.Contains(err.Error(), "seed 2") {
		t.Errorf("--seed 3: %v", err)
	}
	// The flag that comes last wins, so the user's cap replaces the default.
	var mf modelFlags
	var a searchArgs
	got, _ := taskSearchArgs("arith", "greedy", []string{"--answer-tokens", "50"})
	fs, err := searchFlagSet(&mf, &a, got)
	if err != nil || fs.Parse(got) != nil || a.j.Config.AnswerTokens != 50 {
		t.Errorf("a user's --answer-tokens 50: %d (%v)", a.j.Config.AnswerTokens, err)
	}
}

// eval countdown --search --summary writes eval's summary from the search's results: the
// accuracy, its interval and the forward tokens of its results.json.
func TestEvalTaskSearchWritesTheSummary(t *testing.T) {
	dir := t.TempDir()
	resPath, sumPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "s.json")
	if _, errs, err := colash(t, "eval", "countdown", "--model", "testbed-cola", "--level", "cd3", "--search", "greedy",
		"--n", "5", "--threads", "1", "--out", resPath, "--summary", sumPath); err != nil {
		t.Fatalf("eval countdown --search greedy --summary: %v %s", err, errs)
	}
	var res struct {
		N         int        `json:"n"`
		Successes int        `json:"successes"`
		CI        [2]float64 `json:"success_ci95"`
		Forward   float64    `json:"forward_tokens_per_problem"`
	}
	var sum map[string]float64
	for path, v := range map[string]any{resPath: &res, sumPath: &sum} {
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if res.N != 5 || res.Successes == 0 || res.Forward <= 0 {
		t.Fatalf("results.json: %+v (greedy codes solve about half of cd3)", res)
	}
	want := map[string]float64{"n": 5, "accuracy": float64(res.Successes) / 5, "ci_low": res.CI[0], "ci_high": res.CI[1],
		"forward_tokens_per_problem": res.Forward}
	for k, v := range want {
		if math.Abs(sum[k]-v) > 1e-9 {
			t.Errorf("summary %s = %v, want %v (results.json)", k, sum[k], v)
		}
	}
}

// eval says how a CoLA's codes are chosen (sampled by default, where a Llama decodes greedily),
// and says nothing of codes for a Llama.
func TestEvalTaskSaysHowCodesAreChosen(t *testing.T) {
	for _, c := range []struct {
		model string
		args  []string
		want  string
	}{
		{"testbed-cola", nil, "codes: sampled at temperature 1, top-k 40, seed 2"},
		{"testbed-cola", []string{"--latent-temperature", "0"}, "codes: greedy"},
		{"testbed", nil, ""},
	} {
		args := append([]string{"eval", "countdown", "--model", c.model, "--n", "2", "--max-tokens", "8", "--threads", "1"}, c.args...)
		_, errs, err := colash(t, args...)
		if err != nil {
			t.Fatalf("%v: %v %s", args, err, errs)
		}
		if c.want == "" && strings.Contains(errs, "codes:") || !strings.Contains(errs, c.want) {
			t.Errorf("%v: stderr\n%s\nwant %q", args, errs, c.want)
		}
	}
}
