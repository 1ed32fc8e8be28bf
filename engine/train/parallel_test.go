package train

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/internal/ranktest"
	"colash/model/checkpoint"
)

// The data-parallel test re-runs this test binary as each rank: with dpVar set to an output
// folder, TestMain runs dpRank instead of the tests.
const dpVar = "COLASH_TRAIN_DP_OUT"

func TestMain(m *testing.M) {
	if out := os.Getenv(dpVar); out != "" {
		os.Exit(dpRank(out))
	}
	os.Exit(m.Run())
}

// dpCorpus is the sampled corpus with the targets of every third sequence cut to its first 16
// tokens, so that the ranks' halves of a batch hold different numbers of targets.
func dpCorpus(tb testing.TB, m *checkpoint.Model) []Seq {
	var out []Seq
	for i, q := range sampledCorpus(tb, m) {
		if i%3 == 0 {
			q.Loss = append([]bool(nil), q.Loss...)
			for j := 16; j < len(q.Loss); j++ {
				q.Loss[j] = false
			}
		}
		out = append(out, q)
	}
	return out
}

func dpConfig() Config {
	cfg := Defaults(StageIDM)
	cfg.Steps, cfg.Batch, cfg.Accum, cfg.LR, cfg.MinLR, cfg.Warmup, cfg.Seed = 4, 4, 2, 3e-3, 3e-4, 1, 5
	return cfg
}

// exitTB stands in for testing.TB in a rank process: a fatal error ends the process.
type exitTB struct{ testing.TB }

func (exitTB) Helper()                   {}
func (exitTB) Fatal(a ...any)            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (exitTB) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }

// dpRank trains half the steps, then resumes from rank 0's checkpoint with a fresh model: the
// other ranks have no checkpoint and must take rank 0's state. It then resumes the finished run,
// which must end on every rank without an update.
func dpRank(out string) int {
	g, err := dist.FromEnv(time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer g.Close()
	cfg := dpConfig()
	for _, o := range []run.Options{{Out: out, StopAt: cfg.Steps / 2, Resume: run.Fresh}, {Out: out, Resume: run.Auto}, {Out: out, Resume: run.Auto}} {
		m := tinyCoLA(exitTB{}, 4)
		err := RunStageOn(context.Background(), g, m.CoLA, dpCorpus(exitTB{}, m), cfg, o)
		m.Free()
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", g.Rank(), err)
			return 1
		}
	}
	return 0
}

func readMetrics(t *testing.T, path string) []Metrics {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ms []Metrics
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// TestDataParallelMatchesOneProcess: stage 1 on 2 processes, each computing half of every
// micro-batch, and on 3, whose blocks of the 4 rows differ in size, each resumed halfway from rank
// 0's checkpoint, logs the loss curve of one process training on the same global batches.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	cfg := dpConfig()
	m := tinyCoLA(t, 4)
	one := filepath.Join(t.TempDir(), "one")
	if err := RunStage(context.Background(), m.CoLA, dpCorpus(t, m), cfg, run.Options{Out: one}); err != nil {
		t.Fatal(err)
	}
	m.Free()
	a := readMetrics(t, filepath.Join(one, "metrics.jsonl"))
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d processes", n), func(t *testing.T) {
			many := filepath.Join(t.TempDir(), "many")
			for r, rk := range ranktest.Run(t, n, dpVar+"="+many) {
				if rk.Err != nil {
					t.Fatalf("rank %d: %v\n%s%s", r, rk.Err, rk.Stdout, rk.Stderr)
				}
			}
			b := readMetrics(t, filepath.Join(many, "metrics.jsonl"))
			if len(a) != cfg.Steps || len(b) != cfg.Steps {
				t.Fatalf("%d and %d logged updates, want %d", len(a), len(b), cfg.Steps)
			}
			for i := range a {
				x, y := a[i], b[i]
				t.Logf("update %d: loss %.7f (1 process) %.7f (%d), grad norm %.6f %.6f", x.Step, x.Loss, y.Loss, n, x.GradNorm, y.GradNorm)
				if x.Step != y.Step || x.Tokens != y.Tokens || x.Alive != y.Alive ||
					!close(x.Loss, y.Loss) || !close(x.CE, y.CE) || !close(x.NegEnt, y.NegEnt) || !close(x.GradNorm, y.GradNorm) {
					t.Errorf("update %d differs:\n1 process %+v\n%d processes %+v", i+1, x, n, y)
				}
			}
		})
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-4*max(1, math.Abs(a)) }
