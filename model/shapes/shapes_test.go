package shapes

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"colash/model/safetensors"
)

// TestConfigsAreTheReleases compares the config.json each real shape writes with the one its
// Hugging Face release publishes (testdata), field by field, then byte for byte.
func TestConfigsAreTheReleases(t *testing.T) {
	for _, name := range []string{"llama-3.1-8b", "llama-3.2-3b", "llama-3.2-1b"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			p := plan(t, name, "BF16", false)
			got, exp := fields(t, p.Config), fields(t, want)
			for k, v := range exp {
				if g, ok := got[k]; !ok {
					t.Errorf("%s: no %q (the release has %v)", name, k, v)
				} else if !reflect.DeepEqual(g, v) {
					t.Errorf("%s: %q = %v, the release has %v", name, k, g, v)
				}
			}
			for k := range got {
				if _, ok := exp[k]; !ok {
					t.Errorf("%s: %q is not in the release's config", name, k)
				}
			}
			if !bytes.Equal(p.Config, want) {
				t.Errorf("%s: config.json differs from the release's file in layout:\n%s", name, p.Config)
			}
		})
	}
}

// fields decodes a config.json keeping numbers as written, so 500000.0 and 500000 differ.
func fields(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func plan(t *testing.T, shape string, dt safetensors.DType, withCoLA bool) *Plan {
	t.Helper()
	s, err := Lookup(shape)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(Spec{Shape: s, DType: dt, Seed: 1, CoLA: withCoLA})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWeightsAreTheReleases: the tensors planned for each real shape add up to the bytes of its
// release's bf16 safetensors (testdata/README.md), and a CoLA at Llama-3.1-8B shape has the
// released checkpoint's 410 tensors.
func TestWeightsAreTheReleases(t *testing.T) {
	for name, want := range map[string]int64{
		"llama-3.1-8b": 16_060_522_496, "llama-3.2-3b": 6_425_499_648, "llama-3.2-1b": 2_471_628_800,
	} {
		if p := plan(t, name, "BF16", false); p.Bytes != want {
			t.Errorf("%s: %d weight bytes, the release has %d", name, p.Bytes, want)
		}
	}
	p := plan(t, "llama-3.1-8b", "BF16", true)
	if len(p.Sources) != 410 {
		t.Errorf("CoLA at llama-3.1-8b: %d tensors, the released CoLA has 410", len(p.Sources))
	}
	names := map[string]bool{}
	for _, s := range p.Sources {
		names[s.Name] = true
	}
	for _, n := range []string{"lm_head.weight", "model.action_code_book.weight", "model.action_merge_layers.1.down_proj.weight",
		"model.action_layers.3.mlp.up_proj.weight", "model.policy_layers.7.self_attn.k_proj.weight", "model.policy_head.weight"} {
		if !names[n] {
			t.Errorf("CoLA at llama-3.1-8b has no %s", n)
		}
	}
	// Llama 3.2 ties lm_head to the embedding: no lm_head.weight, in the CoLA too.
	for _, s := range plan(t, "llama-3.2-3b", "BF16", true).Sources {
		if s.Name == "lm_head.weight" {
			t.Errorf("llama-3.2-3b CoLA stores lm_head.weight; the release ties it")
		}
	}
}

func TestCoLAConfig(t *testing.T) {
	c := fields(t, plan(t, "llama-3.2-3b", "BF16", true).Config)
	for k, v := range map[string]string{"num_code": "64", "num_action_layer": "4", "num_dyna_layer": "2",
		"num_policy_layer": "8", "v": "1", "hidden_size": "3072", "num_key_value_heads": "8"} {
		if got, ok := c[k].(json.Number); !ok || string(got) != v {
			t.Errorf("CoLA config %s = %v, want %s", k, c[k], v)
		}
	}
	if a := c["architectures"]; !reflect.DeepEqual(a, []any{"IntentionForCausalLM"}) {
		t.Errorf("architectures %v", a)
	}
}

func TestFloatsAsPython(t *testing.T) {
	for v, want := range map[float64]string{0: "0.0", 8: "8.0", 0.02: "0.02", 1e-05: "1e-05", 1e-06: "1e-06",
		500000: "500000.0", 1e16: "1e+16", 123456789012345: "123456789012345.0", 0.0001: "0.0001", -2.5: "-2.5"} {
		b, err := Float(v).MarshalJSON()
		if err != nil || string(b) != want {
			t.Errorf("Float(%v) = %s (%v), want %s", v, b, err, want)
		}
	}
}

func TestUnknownShapeListsTheKnown(t *testing.T) {
	_, err := Lookup("llama-2-7b")
	if err == nil {
		t.Fatal("no error")
	}
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("%q does not name %s", err, n)
		}
	}
	if !slices.Contains(Names(), "tiny") || len(Names()) < 4 {
		t.Errorf("shapes %v", Names())
	}
	if _, err := NewPlan(Spec{Shape: known[0], DType: "I8"}); err == nil {
		t.Error("stored dtype I8 accepted")
	}
}

func TestRefusesNonEmptyFolderAndShortDisk(t *testing.T) {
	p := plan(t, "tiny", "BF16", false)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := p.Write(dir, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		t.Error("wrote into the non-empty folder")
	}
	free := freeBytes
	defer func() { freeBytes = free }()
	freeBytes = func(string) (int64, error) { return 1 << 20, nil }
	out := filepath.Join(t.TempDir(), "new")
	if err := p.Write(out, nil); err == nil || !strings.Contains(err.Error(), "disk space") {
		t.Errorf("short disk: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("made %s on a short disk", out)
	}
}
