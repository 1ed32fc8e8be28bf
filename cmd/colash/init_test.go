package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitWritesModelsThatGenerate: colash init writes the tiny shape, as a Llama and as a CoLA,
// and colash generate continues a prompt with each (the CoLA sampling codes).
func TestInitWritesModelsThatGenerate(t *testing.T) {
	for _, extra := range [][]string{nil, {"--cola"}} {
		dir := filepath.Join(t.TempDir(), "m")
		args := append([]string{"init", "--shape", "tiny", "--seed", "3", "--out", dir}, extra...)
		if _, errs, err := colash(t, args...); err != nil || !strings.Contains(errs, "wrote "+dir) {
			t.Fatalf("colash %s: %v\n%s", strings.Join(args, " "), err, errs)
		}
		for _, f := range []string{"config.json", "model.safetensors", "tokenizer.model", "LICENSE.llama3", "NOTICE"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%v: %v", extra, err)
			}
		}
		out, errs, err := colash(t, "generate", "--model", dir, "--prompt", "The capital of France is", "-n", "6", "--dtype", "bf16")
		if err != nil || !strings.Contains(errs, "6 tokens") || strings.TrimSpace(out) == "" {
			t.Errorf("generate %v: %v\nstdout %q\n%s", extra, err, out, errs)
		}
		kind := map[bool]string{false: "llama d=32", true: "cola d=32"}[len(extra) > 0]
		if !strings.Contains(errs, kind) {
			t.Errorf("generate %v loaded something else than a %s:\n%s", extra, kind, errs)
		}
	}
}

// TestInitRefuses: an unknown shape (the error lists the known ones), a bad dtype and a folder
// that is not empty are refused, and nothing is written.
func TestInitRefuses(t *testing.T) {
	dir := t.TempDir()
	_, errs, err := colash(t, "init", "--shape", "llama-2-7b", "--out", filepath.Join(dir, "a"))
	if err == nil || !strings.Contains(errs, "llama-3.1-8b, llama-3.2-3b, llama-3.2-1b, tiny") {
		t.Errorf("unknown shape: %v\n%s", err, errs)
	}
	_, errs, err = colash(t, "init", "--shape", "tiny", "--dtype", "int8", "--out", filepath.Join(dir, "b"))
	if err == nil || !strings.Contains(errs, "want bf16 or f32") {
		t.Errorf("bad dtype: %v\n%s", err, errs)
	}
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644)
	_, errs, err = colash(t, "init", "--shape", "tiny", "--out", dir)
	if err == nil || !strings.Contains(errs, "not empty") {
		t.Errorf("non-empty folder: %v\n%s", err, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the refused commands left %d entries in %s, want 1", len(entries), dir)
	}
}
