package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"colash/engine/run"
	"colash/internal/testenv"
)

// tinyStage1 is the job the multi-process tests compare with one process: four updates of stage 1
// on the tiny model and sampled text.
type tinyStage1 struct{ data string }

func newTinyStage1(t *testing.T, dir string) tinyStage1 {
	t.Helper()
	data := filepath.Join(dir, "text.jsonl")
	if _, errs, err := colash(t, "sample", "--tokens", "3000", "--len", "64", "--out", data); err != nil {
		t.Fatalf("sample: %v %s", err, errs)
	}
	return tinyStage1{data}
}

// args is its command line writing to out.
func (s tinyStage1) args(out string) []string {
	return []string{"train", "stage1", "--model", "../../models/stories260K", "--data", s.data, "--out", out,
		"--steps", "4", "--batch", "4", "--seq", "32", "--codes", "8", "--threads", "1"}
}

// sameLosses fails t unless out logged ref's four per-update losses within tol, and returns the
// largest difference.
func sameLosses(t *testing.T, ref, out string, tol float64) float64 {
	t.Helper()
	a, _ := run.ReadMetrics(filepath.Join(ref, "metrics.jsonl"))
	b, _ := run.ReadMetrics(filepath.Join(out, "metrics.jsonl"))
	if len(a) != 4 || len(b) != 4 {
		t.Fatalf("%d and %d updates logged, want 4", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		d := math.Abs(a[i]["loss"].(float64) - b[i]["loss"].(float64))
		if d > tol {
			t.Errorf("update %d: loss %v alone, %v in %s", i+1, a[i]["loss"], b[i]["loss"], filepath.Base(out))
		}
		worst = max(worst, d)
	}
	return worst
}

// together runs f(0) ... f(n-1) at once (the machines of one job) and returns the first error.
func together(n int, f func(i int) error) error {
	errc := make(chan error, n)
	for i := range n {
		go func() { errc <- f(i) }()
	}
	var first error
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// torchrun runs PyTorch's launcher, Debian's python3-torch 1.13 (under Python 3.11 its --redirects
// and --tee take 1 or 2 only: Std.from_str returns None for 0 and 3), with colash as the
// workers' program, and returns its output. Its agents check their workers every 0.2 s (not 5),
// and a job still running after two minutes is killed with every process it started.
func torchrun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	py := testenv.PythonWith(t, "torch")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-m", "torch.distributed.run", "--monitor_interval", "0.2",
		"--redirects", "1", "--tee", "1"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "COLASH_DIST_TIMEOUT=60s")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTorchrun: colash's training commands run under PyTorch's own launcher, torchrun, and reach
// the per-update losses of one process (1e-4): two workers on one node, whose agent serves the
// rendezvous store (static rendezvous), restarted once (--max_restarts) after a failure and
// resuming from their checkpoint; two agents of one node each (--nnodes 2, static rendezvous
// on --master_addr); and two agents meeting through the c10d rendezvous backend.
func TestTorchrun(t *testing.T) {
	testenv.PythonWith(t, "torch")
	dir := t.TempDir()
	job := newTinyStage1(t, dir)
	one := filepath.Join(dir, "one")
	if _, errs, err := colash(t, job.args(one)...); err != nil {
		t.Fatalf("one process: %v\n%s", err, errs)
	}
	exe := colashBinary(t)

	t.Run("one node, restarted", func(t *testing.T) {
		out := filepath.Join(dir, "restarted")
		// The first attempt stops with a checkpoint after update 2, then fails; the restarted
		// workers are given the command line without --resume.
		fail := `if [ "$TORCHELASTIC_RESTART_COUNT" = 0 ]; then "$0" "$@" --stop-at 2 && exit 3; fi; exec "$0" "$@"`
		port, err := freePort("127.0.0.1") // not torchrun's 29500, which another job may hold
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--nproc_per_node", "2", "--master_port", strconv.Itoa(port), "--max_restarts", "1",
			"--no_python", "/bin/sh", "-c", fail, exe}, job.args(out)...)
		logs, err := torchrun(t, args...)
		if err != nil || !strings.Contains(logs, "resumed "+run.CheckpointDir(out)) || !strings.Contains(logs, "at step 2") {
			t.Fatalf("torchrun: %v (want a restart resumed at step 2)\n%s", err, logs)
		}
		t.Logf("largest loss difference: %.2g", sameLosses(t, one, out, 1e-4))
	})

	agents := func(t *testing.T, name string, rdzv func(node, port int) []string) {
		port, err := freePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name)
		err = together(2, func(node int) error {
			args := append(append([]string{"--nnodes", "2", "--nproc_per_node", "1"}, rdzv(node, port)...), "--no_python", exe)
			logs, err := torchrun(t, append(args, job.args(out)...)...)
			if err != nil {
				return fmt.Errorf("node %d: %v\n%s", node, err, logs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("largest loss difference: %.2g", sameLosses(t, one, out, 1e-4))
	}
	t.Run("two nodes, static", func(t *testing.T) {
		agents(t, "static", func(node, port int) []string {
			return []string{"--node_rank", strconv.Itoa(node), "--master_addr", "127.0.0.1", "--master_port", strconv.Itoa(port)}
		})
	})
	t.Run("two nodes, c10d", func(t *testing.T) {
		agents(t, "c10d", func(_, port int) []string {
			return []string{"--rdzv_backend", "c10d", "--rdzv_endpoint", "127.0.0.1:" + strconv.Itoa(port), "--rdzv_id", "colash-test"}
		})
	})
}
