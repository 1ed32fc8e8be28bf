package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Latent RL writes its policy alone beside the whole model, pointing at the shipped CoLA by
// name: loaded, the two are one model.
func TestLatentRLWritesThePolicyOverItsBase(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rl")
	args := []string{"rl", "--model", "cola", "--task", "story-word", "--steps", "2", "--prompts", "2", "--group", "2",
		"--max-tokens", "4", "--held-out", "0", "--lr", "1e-2", "--threads", "1", "--out", out}
	logits := func(model string) string { return logitsOf(t, model) }
	// Stopped after the first update and resumed: each summary says the frozen modules are as
	// loaded, and the stopped run's policy/ is its step-1 policy (the resumed run replaces it).
	var stopped string
	for _, more := range [][]string{{"--stop-at", "1"}, {"--resume"}} {
		if _, errs, err := colash(t, append(args, more...)...); err != nil {
			t.Fatalf("rl %v: %v\n%s", more, err, errs)
		}
		var sum struct {
			FrozenUnchanged bool `json:"frozen_unchanged"`
			StoppedAt       int  `json:"stopped_at"`
		}
		if b, err := os.ReadFile(filepath.Join(out, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil || !sum.FrozenUnchanged {
			t.Errorf("rl %v: summary.json does not say the frozen modules are unchanged: %v %s", more, err, b)
		}
		want := 0
		if more[0] == "--stop-at" {
			want = 1
		}
		if sum.StoppedAt != want {
			t.Errorf("rl %v: summary.json says stopped_at %d, want %d", more, sum.StoppedAt, want)
		}
		if stopped == "" {
			stopped = logits(filepath.Join(out, "policy"))
		}
	}
	var cfg struct {
		Architectures []string `json:"architectures"`
		BaseModel     string   `json:"base_model"`
	}
	b, err := os.ReadFile(filepath.Join(out, "policy", "config.json"))
	if err != nil || json.Unmarshal(b, &cfg) != nil || cfg.BaseModel != "stories260K-cola" || len(cfg.Architectures) != 1 || cfg.Architectures[0] != "CoLAPolicy" {
		t.Fatalf("policy/config.json: %v %s", err, b)
	}
	whole, policy, before := logits(filepath.Join(out, "model")), logits(filepath.Join(out, "policy")), logits("cola")
	if policy != whole {
		t.Error("policy/ over its base is not model/")
	}
	if policy == before {
		t.Error("two steps at lr 1e-2 left the policy as it was: the comparison above shows nothing")
	}
	if stopped == before || stopped == policy {
		t.Error("the stopped run's policy/ is not its step-1 policy")
	}
}

// A token run stopped before its end writes the whole model as one that ran to the end does,
// though its checkpoint holds only the blocks it trains.
func TestStoppedTokenRunWritesItsModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rl")
	if _, errs, err := colash(t, "rl", "--model", "stories260K", "--token-level", "--layers", "1", "--task", "story-word",
		"--steps", "3", "--stop-at", "1", "--prompts", "4", "--group", "4", "--max-tokens", "8", "--held-out", "0",
		"--lr", "1e-2", "--threads", "1", "--out", out); err != nil {
		t.Fatalf("rl: %v\n%s", err, errs)
	}
	if logitsOf(t, filepath.Join(out, "model")) == logitsOf(t, "stories260K") {
		t.Error("model/ is the model before RL: not the step-1 model")
	}
}

// logitsOf is `colash logits` of a fixed text under model, as printed.
func logitsOf(t *testing.T, model string) string {
	t.Helper()
	o, errs, err := colash(t, "logits", "--model", model, "--text", "Once upon a time")
	if err != nil {
		t.Fatalf("logits of %s: %v %s", model, err, errs)
	}
	return o
}
