package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
	cmd := exec.Command(colashBinary(t), args(stopped)...)
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if lines, _ := run.ReadMetrics(filepath.Join(stopped, "metrics.jsonl")); len(lines) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no updates logged:\n%s", errb.String())
		}
	}
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
