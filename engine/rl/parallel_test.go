package rl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// dpRun is a part of the test's run: steps up to Stop (0: all), from the checkpoint in Dir when
// Resume is set, saving one there at the end when Save is set. Only rank 0 reads or writes a
// checkpoint; with Count every rank writes its dpCounts to Dir/counts-RANK.json.
type dpRun struct {
	Stop                int
	Dir                 string
	Resume, Save, Count bool
}

// dpCounts are the rows a process scored and computed reference log-probs of.
type dpCounts struct{ Scored, RefRows int64 }

// countingActor counts the rows of the reference forward passes.
type countingActor struct {
	*CoLAActor
	n *dpCounts
}

func (a countingActor) Logits(in *Layout, ref, grad bool) (*tensorT, *tensorT, error) {
	if ref {
		a.n.RefRows += int64(in.B)
	}
	return a.CoLAActor.Logits(in, ref, grad)
}

// dpRunFromEnv is the part a rank process runs, as the test set it in the environment.
func dpRunFromEnv() dpRun {
	var p dpRun
	if s := os.Getenv(dpVar); s != "1" {
		json.Unmarshal([]byte(s), &p)
	}
	return p
}

// dpSteps runs the test's RL steps on g (nil: one process) and returns their metrics; n counts
// the work.
func dpSteps(tb testing.TB, g *dist.Group, p dpRun, n *dpCounts) ([]Metrics, error) {
	a, c := tinyActor(tb)
	defer func() { a.Close(); c.Free() }()
	tk := nTask()
	rw := tk.Reward
	tk.Reward = RewardFunc(func(prompt, completion string, ex Example) (float64, error) {
		atomic.AddInt64(&n.Scored, 1)
		return rw.Reward(prompt, completion, ex)
	})
	tr, err := NewTrainer(countingActor{a, n}, c.Tok, tk, dpConfig())
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	tr.Group = g
	rank0 := g == nil || g.Rank() == 0
	if p.Resume && rank0 {
		if err := tr.Load(p.Dir); err != nil {
			return nil, err
		}
	}
	var out []Metrics
	for tr.Step < tr.Cfg.Steps && (p.Stop == 0 || tr.Step < p.Stop) {
		m, err := tr.TrainStep(context.Background())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if p.Save && rank0 {
		return out, tr.Save(p.Dir)
	}
	return out, nil
}

// dpRank runs the steps as one rank; rank 0 prints its metrics as JSON.
func dpRank() int {
	g, err := dist.FromEnv(time.Minute)
	if err == nil {
		defer g.Close()
		var ms []Metrics
		var n dpCounts
		p := dpRunFromEnv()
		if ms, err = dpSteps(exitTB{}, g, p, &n); err == nil && p.Count {
			b, _ := json.Marshal(n)
			err = os.WriteFile(filepath.Join(p.Dir, fmt.Sprintf("counts-%d.json", g.Rank())), b, 0o644)
		}
		if err == nil && g.Rank() == 0 {
			err = json.NewEncoder(os.Stdout).Encode(ms)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

var oneRun struct {
	sync.Once
	ms  []Metrics
	n   dpCounts
	err error
}

// oneProcess is the test's run on one process (once for all the tests).
func oneProcess(t *testing.T) []Metrics {
	oneRun.Do(func() { oneRun.ms, oneRun.err = dpSteps(t, nil, dpRun{}, &oneRun.n) })
	if oneRun.err != nil {
		t.Fatal(oneRun.err)
	}
	return oneRun.ms
}

// runRanks runs part p of the test's run on n processes and returns rank 0's metrics.
func runRanks(t *testing.T, n int, p dpRun) []Metrics {
	t.Helper()
	env, _ := json.Marshal(p)
	ranks := ranktest.Run(t, n, dpVar+"="+string(env))
	for r, rk := range ranks {
		if rk.Err != nil {
			t.Fatalf("rank %d: %v\n%s", r, rk.Err, rk.Stderr)
		}
	}
	var ms []Metrics
	if err := json.Unmarshal([]byte(ranks[0].Stdout), &ms); err != nil {
		t.Fatalf("rank 0's metrics: %v\n%s", err, ranks[0].Stdout)
	}
	for r := 1; r < n; r++ {
		if ranks[r].Stdout != "" {
			t.Errorf("rank %d printed %q", r, ranks[r].Stdout)
		}
	}
	return ms
}

// sameMetrics fails t where one process's and several's metrics of a step differ.
func sameMetrics(t *testing.T, one, many []Metrics) {
	t.Helper()
	if len(one) != len(many) {
		t.Fatalf("%d steps on one process, %d on several", len(one), len(many))
	}
	for i := range one {
		for _, k := range []string{"reward/mean", "loss/policy", "grad_norm", "entropy", "clip_ratio", "kl", "completions/mean_length", "completions/distinct2"} {
			a, b := one[i][k].(float64), many[i][k].(float64)
			tol := 1e-4 * math.Max(1, math.Abs(a))
			if k == "clip_ratio" {
				// A count of tokens beyond the clip: a shard's rollout log-probs, decoded in a
				// smaller batch, differ by rounding, which moves a few tokens across the boundary.
				tol = 0.02
			}
			if math.Abs(a-b) > tol {
				t.Errorf("step %d %s: %v on one process, %v on several", i+1, k, a, b)
			}
		}
		t.Logf("step %d: reward %.4f loss %.6f grad norm %.6f (one) %.6f (several)", i+1, one[i]["reward/mean"],
			one[i]["loss/policy"], one[i]["grad_norm"], many[i]["grad_norm"])
	}
}

// TestDataParallelUpdate: RL on 2 processes, each generating half of every step's rollouts and
// taking half of every mini-batch's rows in the update, gives the metrics of one process.
// Scoring and the reference log-probs are shared out too: each rank does half of one process's.
func TestDataParallelUpdate(t *testing.T) {
	one, dir := oneProcess(t), t.TempDir()
	sameMetrics(t, one, runRanks(t, 2, dpRun{Dir: dir, Count: true}))
	for r := range 2 {
		var n dpCounts
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("counts-%d.json", r)))
		if err == nil {
			err = json.Unmarshal(b, &n)
		}
		if err != nil || n.Scored != oneRun.n.Scored/2 || n.RefRows != oneRun.n.RefRows/2 {
			t.Errorf("rank %d scored %d rows and computed reference log-probs of %d (%v); one process %d and %d",
				r, n.Scored, n.RefRows, err, oneRun.n.Scored, oneRun.n.RefRows)
		}
	}
	t.Logf("one process scored %d rows, computed reference log-probs of %d", oneRun.n.Scored, oneRun.n.RefRows)
}

// TestDataParallelResume: 2 processes run 2 steps and stop; 2 fresh ones resume from rank 0's
// checkpoint (rank 1 reads nothing) for the last step. The 3 steps are one process's.
func TestDataParallelResume(t *testing.T) {
	one := oneProcess(t)
	dir := t.TempDir()
	first := runRanks(t, 2, dpRun{Stop: 2, Dir: dir, Save: true})
	rest := runRanks(t, 2, dpRun{Dir: dir, Resume: true})
	if len(first) != 2 || len(rest) != 1 {
		t.Fatalf("%d steps before the stop and %d after, want 2 and 1", len(first), len(rest))
	}
	sameMetrics(t, one, append(first, rest...))
}
