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
	// Stopped after the first update and resumed: each summary says the frozen modules are as loaded.
	for _, more := range [][]string{{"--stop-at", "1"}, {"--resume"}} {
		if _, errs, err := colash(t, append(args, more...)...); err != nil {
			t.Fatalf("rl %v: %v\n%s", more, err, errs)
		}
		var sum struct {
			FrozenUnchanged bool `json:"frozen_unchanged"`
		}
		if b, err := os.ReadFile(filepath.Join(out, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil || !sum.FrozenUnchanged {
			t.Errorf("rl %v: summary.json does not say the frozen modules are unchanged: %v %s", more, err, b)
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
	logits := func(model string) string {
		o, errs, err := colash(t, "logits", "--model", model, "--text", "Once upon a time")
		if err != nil {
			t.Fatalf("logits of %s: %v %s", model, err, errs)
		}
		return o
	}
	whole, policy, before := logits(filepath.Join(out, "model")), logits(filepath.Join(out, "policy")), logits("cola")
	if policy != whole {
		t.Error("policy/ over its base is not model/")
	}
	if policy == before {
		t.Error("two steps at lr 1e-2 left the policy as it was: the comparison above shows nothing")
	}
}
