package main

import (
	"colash/internal/testenv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func colash(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(colashBinary(t), args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestGenerateMatchesLlama2CAndConvertRoundTrips(t *testing.T) {
	golden, err := os.ReadFile(testenv.Shared(t, "models/stories260K/expected_greedy_200.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out, errs, err := colash(t, "generate")
	if err != nil || out != string(golden) {
		t.Fatalf("colash generate: %v\nstdout %q\nstderr %s", err, out, errs)
	}
	dir := filepath.Join(t.TempDir(), "bf16")
	if _, errs, err := colash(t, "convert", "--out", dir, "--save-dtype", "bf16", "--shard", "200KB"); err != nil {
		t.Fatalf("convert: %v %s", err, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors.index.json")); err != nil {
		t.Errorf("sharded convert wrote no index: %v", err)
	}
	out, _, err = colash(t, "generate", "--model", dir, "-n", "20")
	if err != nil || len(out) < 20 {
		t.Errorf("generate from the bf16 copy: %v %q", err, out)
	}
	if _, errs, err := colash(t, "generate", "--model", "/nonexistent"); err == nil || !strings.Contains(errs, "/nonexistent") {
		t.Errorf("missing model: %v %s", err, errs)
	}
}

func TestLogitsAndInitCoLA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cola")
	if _, errs, err := colash(t, "init-cola", "--backbone", "../../models/stories260K", "--out", dir,
		"--codes", "8", "--action-layers", "1", "--dyna-layers", "1", "--policy-layers", "1", "--seed", "3"); err != nil {
		t.Fatalf("init-cola: %v %s", err, errs)
	}
	out, errs, err := colash(t, "logits", "--model", dir, "--text", "Once upon a time")
	if err != nil {
		t.Fatalf("logits: %v %s", err, errs)
	}
	var res struct {
		IDs          []int       `json:"ids"`
		Logits       [][]float64 `json:"logits"`
		IDMCodes     []int       `json:"idm_codes"`
		PolicyLogits [][]float64 `json:"policy_logits"`
		WMLogits     [][]float64 `json:"wm_logits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("logits output is not one JSON object: %v\n%s", err, out)
	}
	T := len(res.IDs)
	if T < 2 || res.IDs[0] != 1 || len(res.Logits) != T || len(res.Logits[0]) != 512 || len(res.IDMCodes) != T ||
		len(res.PolicyLogits) != T || len(res.PolicyLogits[0]) != 8 || len(res.WMLogits) != T {
		t.Errorf("logits shapes: ids %d, logits %d, idm %d, policy %d, wm %d", T, len(res.Logits), len(res.IDMCodes), len(res.PolicyLogits), len(res.WMLogits))
	}
	for _, c := range res.IDMCodes {
		if c < 0 || c >= 8 {
			t.Errorf("IDM code %d out of range", c)
		}
	}
	// A plain Llama has no CoLA fields, and --codes is refused for it.
	out, _, err = colash(t, "logits", "--text", "Once upon a time")
	if err != nil || strings.Contains(out, "idm_codes") {
		t.Errorf("plain Llama logits: %v %s", err, out[:min(len(out), 200)])
	}
	if _, errs, err := colash(t, "logits", "--text", "hi", "--codes", "1,2"); err == nil {
		t.Errorf("--codes on a plain Llama accepted: %s", errs)
	}
}

func TestSampleThenTrainInBF16(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "text.jsonl")
	if _, errs, err := colash(t, "sample", "--tokens", "3000", "--len", "64", "--out", data); err != nil {
		t.Fatalf("sample: %v %s", err, errs)
	}
	out := filepath.Join(dir, "run")
	if _, errs, err := colash(t, "train", "stage1", "--model", "../../models/stories260K", "--data", data, "--out", out,
		"--steps", "3", "--batch", "2", "--seq", "32", "--dtype", "bf16", "--codes", "8"); err != nil {
		t.Fatalf("train bf16: %v %s", err, errs)
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d metric lines, want 3", len(lines))
	}
	for _, l := range lines {
		var m struct{ Loss float64 }
		if err := json.Unmarshal([]byte(l), &m); err != nil || !(m.Loss > 0 && m.Loss < 20) {
			t.Errorf("metrics %s: loss %v (%v)", l[:min(len(l), 80)], m.Loss, err)
		}
	}
}
