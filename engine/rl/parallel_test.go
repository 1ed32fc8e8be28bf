package rl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"colash/engine/dist"
	"colash/internal/ranktest"
)

// The data-parallel test re-runs this test binary as each rank: with dpVar set, TestMain runs
// dpRank instead of the tests.
const dpVar = "COLASH_RL_DP_RANK"

func TestMain(m *testing.M) {
	if os.Getenv(dpVar) != "" {
		os.Exit(dpRank())
	}
	os.Exit(m.Run())
}

// exitTB stands in for testing.TB in a rank process: a fatal error ends the process.
type exitTB struct{ testing.TB }

func (exitTB) Helper()                   {}
func (exitTB) Cleanup(func())            {}
func (exitTB) Fatal(a ...any)            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (exitTB) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }

func dpConfig() Config {
	c := testConfig()
	c.Steps = 3
	return c
}

// nTask rewards the share of n among a completion's letters: dense and varied from the first
// step, so the update follows real gradients. (With a reward that is 0 everywhere, as yanTask's
// at first, the gradient is the KL term's alone, near 0, and Adam's first steps, which move every
// weight by about lr whatever its gradient's size, turn rounding-level differences, such as a
// shard's rollout log-probs decoded in a smaller batch, into different weights.)
func nTask() Task {
	tk := Task{Name: "n-share", Examples: []Example{{Prompt: StoryPrompts[0]}, {Prompt: StoryPrompts[1]}}}
	tk.Reward = RewardFunc(func(_, completion string, _ Example) (float64, error) {
		letters := 0
		for _, r := range completion {
			if r >= 'a' && r <= 'z' {
				letters++
			}
		}
		return float64(strings.Count(completion, "n")) / float64(max(letters, 1)), nil
	})
	return tk
}

// dpSteps runs the test's RL steps on g (nil: one process) and returns their metrics.
func dpSteps(tb testing.TB, g *dist.Group) ([]Metrics, error) {
	a, c := tinyActor(tb)
	defer func() { a.Close(); c.Free() }()
	tr, err := NewTrainer(a, c.Tok, nTask(), dpConfig())
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	tr.Group = g
	var out []Metrics
	for tr.Step < tr.Cfg.Steps {
		m, err := tr.TrainStep(context.Background())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// dpRank runs the steps as one rank; rank 0 prints its metrics as JSON.
func dpRank() int {
	g, err := dist.FromEnv(time.Minute)
	if err == nil {
		defer g.Close()
		var ms []Metrics
		if ms, err = dpSteps(exitTB{}, g); err == nil && g.Rank() == 0 {
			err = json.NewEncoder(os.Stdout).Encode(ms)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestDataParallelUpdate: RL on 2 processes, each generating half of every step's rollouts and
// taking half of every mini-batch's rows in the update, gives the metrics of one process.
func TestDataParallelUpdate(t *testing.T) {
	one, err := dpSteps(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	ranks := ranktest.Run(t, 2, dpVar+"=1")
	for r, rk := range ranks {
		if rk.Err != nil {
			t.Fatalf("rank %d: %v\n%s", r, rk.Err, rk.Stderr)
		}
	}
	var two []Metrics
	if err := json.Unmarshal([]byte(ranks[0].Stdout), &two); err != nil || len(two) != len(one) {
		t.Fatalf("rank 0's metrics: %v, %d steps, want %d\n%s", err, len(two), len(one), ranks[0].Stdout)
	}
	for i := range one {
		for _, k := range []string{"reward/mean", "loss/policy", "grad_norm", "entropy", "clip_ratio", "kl", "completions/mean_length", "completions/distinct2"} {
			a, b := one[i][k].(float64), two[i][k].(float64)
			tol := 1e-4 * math.Max(1, math.Abs(a))
			if k == "clip_ratio" {
				// A count of tokens beyond the clip: a shard's rollout log-probs, decoded in a
				// smaller batch, differ by rounding, which moves a few tokens across the boundary.
				tol = 0.02
			}
			if math.Abs(a-b) > tol {
				t.Errorf("step %d %s: %v on one process, %v on two", i+1, k, a, b)
			}
		}
		t.Logf("step %d: reward %.4f loss %.6f grad norm %.6f (one) %.6f (two)", i+1, one[i]["reward/mean"],
			one[i]["loss/policy"], one[i]["grad_norm"], two[i]["grad_norm"])
	}
	if ranks[1].Stdout != "" {
		t.Errorf("rank 1 printed %q", ranks[1].Stdout)
	}
}
