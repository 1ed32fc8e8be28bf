package qlearn

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/internal/ranktest"
)

// The data-parallel test re-runs this test binary as each rank: with dpVar set (to the step to
// stop at, 0 for none), TestMain runs dpRank instead of the tests, writing under dpDir.
const dpVar, dpDir = "COLASH_QNET_DP_STOP", "COLASH_QNET_DP_DIR"

func TestMain(m *testing.M) {
	if s := os.Getenv(dpVar); s != "" {
		stop, _ := strconv.Atoi(s)
		os.Exit(dpRank(stop, os.Getenv(dpDir)))
	}
	os.Exit(m.Run())
}

// dpData are samples of different lengths, so that a rank's block pads differently from the batch.
var dpData = append([]Sample{{PromptIDs: []int{1, 403, 407, 261}, Tokens: []int{378}, Codes: []int{11}, Reward: 0.5}}, data...)

// dpTrain runs the test's training as one rank of g (nil: one process) up to step stop (0: all),
// rank 0 logging and checkpointing in dir (run.Auto: a checkpoint there is resumed). Each rank's
// head starts from its own seed: the others must take rank 0's.
func dpTrain(g *dist.Group, stop int, dir string) error {
	seed := uint64(1)
	if g != nil {
		seed += uint64(g.Rank())
	}
	on, err := tinyQNet(seed)
	if err != nil {
		return err
	}
	defer on.Free()
	tg, err := tinyQNet(seed + 10)
	if err != nil {
		return err
	}
	defer tg.Free()
	tr, err := NewTrainer(on, tg, dpData, Config{Gamma: 0.99, TargetEvery: 3, Batch: 4, Steps: 8, LR: 3e-3, MinLR: 1e-3, GradClip: 1, Seed: 4})
	if err != nil {
		return err
	}
	defer tr.Opt.Free()
	if err := tr.SetGroup(g); err != nil {
		return err
	}
	o := run.Options{Steps: 8, Out: dir, StopAt: stop, Resume: run.Auto}
	if g != nil && g.Rank() > 0 {
		o = run.Options{Steps: 8, StopAt: stop}
	}
	return run.Loop(context.Background(), tr, o)
}

func dpRank(stop int, dir string) int {
	g, err := dist.FromEnv(time.Minute)
	if err == nil {
		defer g.Close()
		err = dpTrain(g, stop, dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestDataParallelTD: TD training on 2 processes (each computing half of every batch, rank 1's
// networks starting elsewhere) and on 3 (blocks of the 4 samples that differ in size), stopped
// at step 5 and resumed with fresh networks, logs the losses of one process's uninterrupted run.
func TestDataParallelTD(t *testing.T) {
	one := filepath.Join(t.TempDir(), "one")
	if err := dpTrain(nil, 0, one); err != nil {
		t.Fatal(err)
	}
	a, err := run.ReadMetrics(filepath.Join(one, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d processes", n), func(t *testing.T) {
			many := filepath.Join(t.TempDir(), "many")
			for _, stop := range []string{"5", "0"} {
				for r, rk := range ranktest.Run(t, n, dpVar+"="+stop, dpDir+"="+many) {
					if rk.Err != nil {
						t.Fatalf("stop %s, rank %d: %v\n%s", stop, r, rk.Err, rk.Stderr)
					}
				}
			}
			b, err := run.ReadMetrics(filepath.Join(many, "metrics.jsonl"))
			if err != nil || len(a) != 8 || len(b) != 8 {
				t.Fatalf("%d steps on one process, %d on %d (%v)", len(a), len(b), n, err)
			}
			for i := range a {
				for _, k := range []string{"loss", "q_taken_mean", "grad_norm"} {
					x, y := a[i][k].(float64), b[i][k].(float64)
					if math.Abs(x-y) > 1e-4*math.Max(1, math.Abs(x)) {
						t.Errorf("step %d %s: %v on one process, %v on %d", i+1, k, x, y, n)
					}
				}
				t.Logf("step %d: loss %.7f (one) %.7f (%d), grad norm %.6f %.6f", i+1, a[i]["loss"], b[i]["loss"], n, a[i]["grad_norm"], b[i]["grad_norm"])
			}
		})
	}
}
