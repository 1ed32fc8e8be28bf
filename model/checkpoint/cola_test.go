package checkpoint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/safetensors"
	"colash/model/tensor"
)

var colaOpt = checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}

// savedCoLA writes stories260K wrapped in small CoLA modules to a temporary folder.
func savedCoLA(t *testing.T) string {
	t.Helper()
	c, err := checkpoint.OpenCoLA("../../models/stories260K", colaOpt, &cola.Modules{Codes: 8, ActionLayers: 1, DynaLayers: 2, PolicyLayers: 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	dir := filepath.Join(t.TempDir(), "cola")
	if err := c.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rewrite copies a CoLA folder, passing every tensor through edit (which may drop it by
// returning ok = false, or change its shape).
func rewrite(t *testing.T, dir string, edit func(name string, shape []int, data []byte) ([]int, []byte, bool)) string {
	t.Helper()
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var srcs []safetensors.TensorSource
	for _, n := range c.Names() {
		info, _ := c.Info(n)
		data, err := c.ReadRaw(n)
		if err != nil {
			t.Fatal(err)
		}
		shape, data, ok := edit(n, append([]int(nil), info.Shape...), data)
		if !ok {
			continue
		}
		srcs = append(srcs, safetensors.TensorSource{Name: n, DType: info.DType, Shape: shape,
			Bytes: func() ([]byte, error) { return data, nil }})
	}
	out := filepath.Join(t.TempDir(), "edited")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "tokenizer.bin"} {
		if err := checkpoint.CopyFile(filepath.Join(dir, f), filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := safetensors.WriteSources(filepath.Join(out, safetensors.SingleFileName), srcs, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCoLASaveLoadRoundTrip(t *testing.T) {
	dir := savedCoLA(t)
	for _, f := range []string{"LICENSE", "LICENSE.llama2c", "tokenizer.bin"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("a saved model lacks %s beside its weights: %v", f, err)
		}
	}
	c, err := checkpoint.Open(dir, colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	l, err := checkpoint.Open("../../models/stories260K", colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Free()
	a, b := tensor.Float32s(c.Llama.Layers[4].MLP.Down.W), tensor.Float32s(l.Llama.Layers[4].MLP.Down.W)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("backbone weights changed through init-cola and save")
		}
	}
	if c.CoLA == nil || c.CoLA.Config.NumCode != 8 || len(c.CoLA.ActionLayers) != 1 || len(c.CoLA.PolicyLayers) != 2 || c.Tok == nil {
		t.Errorf("loaded %s", c)
	}
	// The same folder with a plain Llama config.json is refused: the module tensors are unexpected.
	plain := rewrite(t, dir, func(n string, s []int, d []byte) ([]int, []byte, bool) { return s, d, true })
	if err := checkpoint.CopyFile("../../models/stories260K/config.json", filepath.Join(plain, "config.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open(plain, colaOpt); err == nil || !strings.Contains(err.Error(), "unexpected tensors") {
		t.Errorf("a Llama config over CoLA tensors: %v", err)
	}
}

func TestCoLALoadErrorsNameTheTensor(t *testing.T) {
	dir := savedCoLA(t)
	for _, tc := range []struct {
		name, tensor, want string
		edit               func(shape []int, data []byte) ([]int, []byte, bool)
	}{
		{"removed module tensor", "model.policy_layers.1.mlp.up_proj.weight", "missing tensors",
			func(s []int, d []byte) ([]int, []byte, bool) { return s, d, false }},
		{"removed backbone tensor", "model.layers.2.self_attn.k_proj.weight", "missing tensors",
			func(s []int, d []byte) ([]int, []byte, bool) { return s, d, false }},
		{"wrong codebook shape", "model.action_code_book.weight", "wrong shapes",
			func(s []int, d []byte) ([]int, []byte, bool) { return []int{s[1], s[0]}, d, true }},
		{"wrong merge shape", "model.action_merge_layers.0.gate_proj.weight", "wrong shapes",
			func(s []int, d []byte) ([]int, []byte, bool) { return []int{s[0] / 2, s[1]}, d[:len(d)/2], true }},
	} {
		edited := rewrite(t, dir, func(n string, s []int, d []byte) ([]int, []byte, bool) {
			if n == tc.tensor {
				return tc.edit(s, d)
			}
			return s, d, true
		})
		_, err := checkpoint.Open(edited, colaOpt)
		if err == nil || !strings.Contains(err.Error(), tc.tensor) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v", tc.name, err)
		}
	}
	// An extra tensor is unexpected.
	extra := rewrite(t, dir, func(n string, s []int, d []byte) ([]int, []byte, bool) { return s, d, true })
	c, err := safetensors.OpenDir(extra)
	if err != nil {
		t.Fatal(err)
	}
	var srcs []safetensors.TensorSource
	for _, n := range c.Names() {
		info, _ := c.Info(n)
		d, _ := c.ReadRaw(n)
		srcs = append(srcs, safetensors.TensorSource{Name: n, DType: info.DType, Shape: info.Shape,
			Bytes: func() ([]byte, error) { return d, nil }})
	}
	c.Close()
	srcs = append(srcs, safetensors.TensorSource{Name: "model.action_layers.7.input_layernorm.weight", DType: "F32",
		Shape: []int{64}, Bytes: func() ([]byte, error) { return make([]byte, 256), nil }})
	if err := safetensors.WriteSources(filepath.Join(extra, safetensors.SingleFileName), srcs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open(extra, colaOpt); err == nil ||
		!strings.Contains(err.Error(), "unexpected tensors") || !strings.Contains(err.Error(), "model.action_layers.7.input_layernorm.weight") {
		t.Errorf("extra tensor: error %v", err)
	}
}

func TestOpenCoLARejectsPlainLlama(t *testing.T) {
	_, err := checkpoint.OpenCoLA("../../models/stories260K", colaOpt, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "not a CoLA checkpoint") || !strings.Contains(err.Error(), "init-cola") {
		t.Fatalf("plain Llama loaded as CoLA: %v", err)
	}
	t.Log(err)
}
