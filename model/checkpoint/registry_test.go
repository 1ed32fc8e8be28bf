package checkpoint_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/safetensors"
	"colash/models"
)

var shippedKinds = []struct{ name, kind string }{
	{models.DefaultName, checkpoint.KindLlama}, {models.DefaultCoLA, checkpoint.KindCoLA},
	{models.Testbed, checkpoint.KindLlama}, {models.TestbedCoLA, checkpoint.KindCoLA},
}

func shipped(t *testing.T, name string) string {
	t.Helper()
	path, err := models.Resolve(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRegisteredArchitectures(t *testing.T) {
	if got, want := checkpoint.Architectures(), []string{"CoLAPolicy", "IntentionForCausalLM", "LlamaForCausalLM"}; !slices.Equal(got, want) {
		t.Errorf("registered %v, want %v", got, want)
	}
}

// Each shipped model opens as its kind, and Save writes back the very files it was shipped as
// (the shipped ones were written by Save), which open as the same model.
func TestShippedModelsOpenAsTheirKindAndRoundTrip(t *testing.T) {
	for _, c := range shippedKinds {
		t.Run(c.name, func(t *testing.T) {
			path := shipped(t, c.name)
			m := load(t, path, gotch.Float)
			if m.Kind() != c.kind || (m.CoLA != nil) != (c.kind == checkpoint.KindCoLA) {
				t.Fatalf("opened as %s (CoLA set: %v), want %s", m.Kind(), m.CoLA != nil, c.kind)
			}
			dir := t.TempDir()
			if err := m.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"config.json", safetensors.SingleFileName} {
				a, _ := os.ReadFile(filepath.Join(path, f))
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil || len(a) == 0 || !bytes.Equal(a, b) {
					t.Errorf("%s: saved %d bytes differ from the %d shipped (%v)", f, len(b), len(a), err)
				}
			}
			back := load(t, dir, gotch.Float)
			if back.Kind() != m.Kind() || back.String() != m.String() || back.NumParams() != m.NumParams() ||
				!slices.Equal(back.HookNames(), m.HookNames()) {
				t.Errorf("reopened as %s %s, saved %s %s", back.Kind(), back, m.Kind(), m)
			}
		})
	}
}

// withConfig copies the shipped model name into a folder (weights and tokenizer linked) whose
// config.json is edited by edit.
func withConfig(t *testing.T, name string, edit func(cfg map[string]any)) string {
	t.Helper()
	src := shipped(t, name)
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "config.json" {
			if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	if b, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A config.json without "architectures" is recognised by its fields: num_code makes a CoLA.
func TestConfigWithoutArchitecturesIsRecognised(t *testing.T) {
	for _, c := range shippedKinds[:2] {
		dir := withConfig(t, c.name, func(cfg map[string]any) { delete(cfg, "architectures") })
		if m := load(t, dir, gotch.Float); m.Kind() != c.kind {
			t.Errorf("%s without architectures opened as %s, want %s", c.name, m.Kind(), c.kind)
		}
	}
}

// A Llama saved with its CoLA's backbone config (a Q-network's body) is named
// IntentionForCausalLM without the CoLA fields: it is the Llama it looks like.
func TestNameWithoutItsFieldsIsTheArchitectureThatRecognisesIt(t *testing.T) {
	dir := withConfig(t, models.DefaultName, func(cfg map[string]any) { cfg["architectures"] = []string{"IntentionForCausalLM"} })
	if m := load(t, dir, gotch.Float); m.Kind() != checkpoint.KindLlama {
		t.Errorf("IntentionForCausalLM without num_code opened as %s", m.Kind())
	}
}

func TestUnknownArchitectureIsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(cfg map[string]any)
		wants []string
	}{
		{"named", func(cfg map[string]any) { cfg["architectures"] = []string{"MistralForCausalLM"} },
			[]string{"unknown architecture MistralForCausalLM"}},
		{"model_type only", func(cfg map[string]any) { delete(cfg, "architectures"); cfg["model_type"] = "mistral" },
			[]string{`model_type "mistral"`}},
	} {
		dir := withConfig(t, models.DefaultName, c.edit)
		_, err := checkpoint.Open(dir, checkpoint.Options{})
		if err == nil {
			t.Errorf("%s: opened", c.name)
			continue
		}
		for _, w := range append(c.wants, filepath.Join(dir, "config.json"), "IntentionForCausalLM, LlamaForCausalLM") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", c.name, err, w)
			}
		}
	}
}

// A Model built by hand around a bare Llama (a trainer's, a Q-network's body) is a plain Llama.
func TestHandBuiltModelIsALlama(t *testing.T) {
	m := load(t, shipped(t, models.DefaultName), gotch.Float)
	bare := &checkpoint.Model{Llama: m.Llama}
	if bare.Kind() != checkpoint.KindLlama || bare.NumParams() != m.NumParams() || bare.String() != m.String() {
		t.Errorf("hand-built %s %s, loaded %s %s", bare.Kind(), bare, m.Kind(), m)
	}
}
