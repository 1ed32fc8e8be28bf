package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"colash/engine/run"
)

// SIGTERM, how torchrun and Kubernetes stop a worker, stops a training command at a step boundary
// with a checkpoint, and --resume then ends at the metrics of an uninterrupted run.
func TestSIGTERMCheckpointsAndResumes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "text.jsonl")
	if _, errs, err := colash(t, "sample", "--tokens", "3000", "--len", "64", "--out", data); err != nil {
		t.Fatalf("sample: %v %s", err, errs)
	}
	args := func(out string) []string {
		return []string{"train", "stage1", "--model", "../../models/stories260K", "--data", data, "--out", out,
			"--steps", "400", "--batch", "2", "--seq", "32", "--codes", "8", "--threads", "1", "--save-every", "1000"}
	}
	stopped := filepath.Join(dir, "stopped")
	cmd, errb := startUntilSteps(t, args(stopped), stopped, 3)
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if err == nil || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("a SIGTERM'd run: %v\n%s", err, errb.String())
	}
	lines, _ := run.ReadMetrics(filepath.Join(stopped, "metrics.jsonl"))
	if len(lines) == 0 || len(lines) >= 400 {
		t.Fatalf("%d updates logged before SIGTERM", len(lines))
	}
	if _, err := os.Stat(filepath.Join(stopped, "checkpoint")); err != nil {
		t.Fatalf("no checkpoint after SIGTERM: %v\n%s", err, errb.String())
	}
	if _, errs, err := colash(t, append(args(stopped), "--resume")...); err != nil {
		t.Fatalf("resume: %v\n%s", err, errs)
	}
	whole := filepath.Join(dir, "whole")
	if _, errs, err := colash(t, args(whole)...); err != nil {
		t.Fatalf("uninterrupted: %v\n%s", err, errs)
	}
	a, _ := run.ReadMetrics(filepath.Join(stopped, "metrics.jsonl"))
	b, _ := run.ReadMetrics(filepath.Join(whole, "metrics.jsonl"))
	if len(a) != 400 || len(b) != 400 || a[399]["loss"] != b[399]["loss"] {
		t.Fatalf("resumed run: %d updates, last loss %v; uninterrupted: %d, %v", len(a), a[len(a)-1]["loss"], len(b), b[len(b)-1]["loss"])
	}
}

// SIGTERM that reaches one rank of a data-parallel RL run stops every rank at the same step
// boundary with rank 0's checkpoint (a rank stopping alone would leave the others waiting in the
// next step's collectives), and --resume then ends at the metrics of an uninterrupted run.
func TestSIGTERMToOneRankStopsEveryRank(t *testing.T) {
	dir := t.TempDir()
	args := func(out string, more ...string) []string {
		return append([]string{"launch", "-n", "2", "--", "rl", "--model", "cola", "--task", "story-word", "--steps", "24",
			"--prompts", "2", "--group", "2", "--max-tokens", "8", "--held-out", "0", "--threads", "1", "--save-every", "100",
			"--out", out}, more...)
	}
	whole := filepath.Join(dir, "whole")
	if _, errs, err := colash(t, args(whole)...); err != nil {
		t.Fatalf("uninterrupted: %v\n%s", err, errs)
	}
	stopped := filepath.Join(dir, "stopped")
	cmd, errb := startUntilSteps(t, args(stopped), stopped, 2)
	if err := syscall.Kill(rankPID(t, cmd.Process.Pid, 1), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the interrupted job exited 0:\n%s", errb.String())
	}
	at := regexp.MustCompile(`\[rank (\d)\] .*interrupted at step (\d+)`).FindAllStringSubmatch(errb.String(), -1)
	if len(at) != 2 || at[0][2] != at[1][2] || at[0][1] == at[1][1] {
		t.Fatalf("want both ranks interrupted at the same step:\n%s", errb.String())
	}
	if n, _ := strconv.Atoi(at[0][2]); n >= 24 {
		t.Fatalf("stopped at step %d of 24: the signal came too late to test anything", n)
	}
	if _, errs, err := colash(t, args(stopped, "--resume")...); err != nil {
		t.Fatalf("resume: %v\n%s", err, errs)
	}
	a, _ := run.ReadMetrics(filepath.Join(whole, "metrics.jsonl"))
	b, _ := run.ReadMetrics(filepath.Join(stopped, "metrics.jsonl"))
	if len(a) != 24 || len(b) != 24 {
		t.Fatalf("logged %d steps uninterrupted, %d stopped and resumed", len(a), len(b))
	}
	for i := range a {
		for _, k := range []string{"reward/mean", "kl", "entropy"} {
			if x, y := a[i][k].(float64), b[i][k].(float64); math.Abs(x-y) > 1e-6 {
				t.Errorf("step %d %s: %.7f uninterrupted, %.7f stopped and resumed", i+1, k, x, y)
			}
		}
	}
}

// rankPID is the process id of rank r among colash launch's children.
func rankPID(t *testing.T, launcher, r int) int {
	t.Helper()
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", launcher, launcher))
	if err != nil {
		t.Skipf("no /proc children list: %v", err)
	}
	for _, f := range strings.Fields(string(kids)) {
		pid, _ := strconv.Atoi(f)
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if slices.Contains(strings.Split(string(env), "\x00"), "RANK="+strconv.Itoa(r)) {
			return pid
		}
	}
	t.Fatalf("no rank %d among launcher %d's children %q", r, launcher, kids)
	return 0
}

// startUntilSteps starts colash with args and returns once out/metrics.jsonl logs n steps, with
// the command's stderr.
func startUntilSteps(t *testing.T, args []string, out string, n int) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(colashBinary(t), args...)
	errb := &strings.Builder{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if lines, _ := run.ReadMetrics(filepath.Join(out, "metrics.jsonl")); len(lines) >= n {
			return cmd, errb
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no %d steps logged:\n%s", n, errb.String())
		}
	}
}
