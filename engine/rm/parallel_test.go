package rm

import (
	"context"
	"encoding/json"
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

// The data-parallel test re-runs this test binary as each rank: with dpVar set (to the update to
// stop at, 0 for none), TestMain runs dpRank instead of the tests, writing under dpDir.
const dpVar, dpDir = "COLASH_RM_DP_STOP", "COLASH_RM_DP_DIR"

func TestMain(m *testing.M) {
	if s := os.Getenv(dpVar); s != "" {
		stop, _ := strconv.Atoi(s)
		os.Exit(dpRank(stop, os.Getenv(dpDir)))
	}
	os.Exit(m.Run())
}

// dpTrain runs the test's training as one rank of g (nil: one process) up to update stop (0:
// all), rank 0 logging and checkpointing in dir (a checkpoint there is resumed) and returning the
// result. Each rank's head starts from its own seed: the others must take rank 0's. Micro-batches
// of 3 do not line up with a rank's 4 pairs, and the pairs' lengths differ.
func dpTrain(g *dist.Group, stop int, dir string) (*Result, error) {
	seed := uint64(1)
	if g != nil {
		seed += uint64(g.Rank())
	}
	m, err := open(48, seed)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	c := toyConfig()
	c.MicroBatch, c.Epochs, c.EvalEvery = 3, 1, 2
	return RunTrainOn(context.Background(), g, m, c, toyPairs(0, 48, false), toyPairs(48, 10, false),
		Run{Out: dir, StopAt: stop, Resume: run.Auto, Domain: "happy"})
}

// dpRank runs dpTrain as one rank; rank 0 prints the result as JSON.
func dpRank(stop int, dir string) int {
	g, err := dist.FromEnv(time.Minute)
	if err == nil {
		defer g.Close()
		var res *Result
		if res, err = dpTrain(g, stop, dir); err == nil && g.Rank() == 0 {
			err = json.NewEncoder(os.Stdout).Encode(res)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestDataParallelTraining: reward-model training on 2 processes (each computing half of every
// batch and of the held-out pairs, rank 1's head starting elsewhere), stopped at update 3 and
// resumed with fresh models, logs one process's uninterrupted run and ends with its held-out
// accuracy; resuming the finished run ends with it again.
func TestDataParallelTraining(t *testing.T) {
	one := filepath.Join(t.TempDir(), "one")
	want, err := dpTrain(nil, 0, one)
	if err != nil {
		t.Fatal(err)
	}
	two := filepath.Join(t.TempDir(), "two")
	var got []Result
	for _, stop := range []string{"3", "0", "0"} {
		ranks := ranktest.Run(t, 2, dpVar+"="+stop, dpDir+"="+two)
		for r, rk := range ranks {
			if rk.Err != nil {
				t.Fatalf("stop %s, rank %d: %v\n%s", stop, r, rk.Err, rk.Stderr)
			}
		}
		var res Result
		if err := json.Unmarshal([]byte(ranks[0].Stdout), &res); err != nil {
			t.Fatalf("rank 0's result: %v\n%s", err, ranks[0].Stdout)
		}
		got = append(got, res)
	}
	for i, res := range got[1:] {
		if math.Abs(res.HeldOutAcc-want.HeldOutAcc) > 1e-9 || math.Abs(res.HeldOutLoss-want.HeldOutLoss) > 1e-4*math.Max(1, want.HeldOutLoss) {
			t.Errorf("run %d on 2 processes: held-out accuracy %v, loss %v; one process %v, %v", i+2, res.HeldOutAcc, res.HeldOutLoss, want.HeldOutAcc, want.HeldOutLoss)
		}
	}
	t.Logf("held-out accuracy %v, loss %.7f (one process) %.7f (two)", want.HeldOutAcc, want.HeldOutLoss, got[1].HeldOutLoss)
	a, err := run.ReadMetrics(filepath.Join(one, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := run.ReadMetrics(filepath.Join(two, "metrics.jsonl"))
	if err != nil || len(a) != 6 || len(b) != 6 {
		t.Fatalf("%d updates on one process, %d on two (%v)", len(a), len(b), err)
	}
	for i := range a {
		for _, k := range []string{"loss", "acc", "margin", "grad_norm", "held_out/acc", "held_out/loss"} {
			x, okx := a[i][k].(float64)
			y, oky := b[i][k].(float64)
			if okx != oky || math.Abs(x-y) > 1e-4*math.Max(1, math.Abs(x)) {
				t.Errorf("update %d %s: %v on one process, %v on two", i+1, k, a[i][k], b[i][k])
			}
		}
		t.Logf("update %d: loss %.7f (one) %.7f (two), grad norm %.6f %.6f, held-out loss %v %v", i+1, a[i]["loss"], b[i]["loss"],
			a[i]["grad_norm"], b[i]["grad_norm"], a[i]["held_out/loss"], b[i]["held_out/loss"])
	}
}
