package checkpoint_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"colash/model/checkpoint"
	"colash/model/safetensors"
	"colash/model/tensor"
)

// A policy checkpoint is its base CoLA with the policy's tensors in place: loaded, it is the
// CoLA that was saved, whole; its base and its tensors are checked.
func TestPolicyCheckpointIsItsBaseWithThePolicyReplaced(t *testing.T) {
	dir := savedCoLA(t)
	m, err := checkpoint.Open(dir, colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	// A trained policy: its head doubled.
	head := m.CoLA.PolicyHead.W
	head.MustMulScalar_(tensor.Scalar(2.0))
	pol := filepath.Join(t.TempDir(), "policy")
	if err := checkpoint.SavePolicy(m, pol, dir); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(pol, safetensors.SingleFileName))
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := os.Stat(filepath.Join(dir, safetensors.SingleFileName))
	if st.Size() >= whole.Size()/2 {
		t.Errorf("the policy file is %d bytes of the CoLA's %d: more than the policy", st.Size(), whole.Size())
	}
	p, err := checkpoint.Open(pol, colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if p.Kind() != checkpoint.KindCoLA || p.Base != dir || p.Tok == nil {
		t.Fatalf("loaded %s: kind %s, base %q", p, p.Kind(), p.Base)
	}
	base, err := checkpoint.Open(dir, colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Free()
	if got, want := tensor.Float32s(p.CoLA.PolicyHead.W), tensor.Float32s(head); !slices.Equal(got, want) {
		t.Error("the policy head is not the saved one")
	}
	if got, was := tensor.Float32s(p.CoLA.PolicyHead.W), tensor.Float32s(base.CoLA.PolicyHead.W); slices.Equal(got, was) {
		t.Error("the policy head is the base's")
	}
	if got, want := tensor.Float32s(p.CoLA.CodeBook.W), tensor.Float32s(base.CoLA.CodeBook.W); !slices.Equal(got, want) {
		t.Error("the codebook is not the base's")
	}
	// Saved, it is a whole CoLA.
	again := filepath.Join(t.TempDir(), "whole")
	if err := p.Save(again, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		t.Fatal(err)
	}
	w, err := checkpoint.Open(again, colaOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Free()
	if got, want := tensor.Float32s(w.CoLA.PolicyHead.W), tensor.Float32s(head); !slices.Equal(got, want) {
		t.Error("saving the policy checkpoint's model lost its policy")
	}

	// A base that is not there, a policy over a policy, and a file short of one tensor.
	cfg := func(base string) string {
		d := filepath.Join(t.TempDir(), "p")
		if err := os.CopyFS(d, os.DirFS(pol)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"architectures": ["CoLAPolicy"], "base_model": "`+base+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if _, err := checkpoint.Open(cfg("no-such-model"), colaOpt); err == nil || !strings.Contains(err.Error(), "no-such-model") {
		t.Errorf("a missing base: %v", err)
	}
	if _, err := checkpoint.Open(cfg(pol), colaOpt); err == nil || !strings.Contains(err.Error(), "itself a policy") {
		t.Errorf("a policy over a policy: %v", err)
	}
	short := cfg(dir)
	f, err := safetensors.Open(filepath.Join(short, safetensors.SingleFileName))
	if err != nil {
		t.Fatal(err)
	}
	var srcs []safetensors.TensorSource
	for _, n := range f.Names() {
		if n == "model.policy_head.weight" {
			continue
		}
		info, _ := f.Info(n)
		d, _ := f.ReadRaw(n)
		srcs = append(srcs, safetensors.TensorSource{Name: n, DType: info.DType, Shape: info.Shape, Bytes: func() ([]byte, error) { return d, nil }})
	}
	f.Close()
	if err := safetensors.WriteSources(filepath.Join(short, safetensors.SingleFileName), srcs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open(short, colaOpt); err == nil || !strings.Contains(err.Error(), "model.policy_head.weight") {
		t.Errorf("a policy file short of its head: %v", err)
	}
}

// The shipped RL policies load over the CoLAs they were trained on, the folders beside them their
// configs name: each policy differs, the rest is its base's.
func TestShippedRLPolicyLoadsOverItsCoLA(t *testing.T) {
	for policy, cola := range map[string]string{"testbed-cola-rl": "testbed-cola", "testbed-cola-rl-phase5": "testbed-cola-phase5"} {
		p, err := checkpoint.Open("../../models/"+policy, colaOpt)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Free()
		dir, err := filepath.Abs("../../models/" + cola)
		if err != nil {
			t.Fatal(err)
		}
		base, err := checkpoint.Open(dir, colaOpt)
		if err != nil {
			t.Fatal(err)
		}
		defer base.Free()
		if p.Base != dir {
			t.Errorf("%s: base %q, want %q", policy, p.Base, dir)
		}
		if slices.Equal(tensor.Float32s(p.CoLA.PolicyHead.W), tensor.Float32s(base.CoLA.PolicyHead.W)) {
			t.Errorf("%s: the RL policy's head is the base's", policy)
		}
		if !slices.Equal(tensor.Float32s(p.CoLA.CodeBook.W), tensor.Float32s(base.CoLA.CodeBook.W)) ||
			!slices.Equal(tensor.Float32s(p.Llama.Layers[0].MLP.Down.W), tensor.Float32s(base.Llama.Layers[0].MLP.Down.W)) {
			t.Errorf("%s: the RL policy's codebook or backbone is not the base's", policy)
		}
	}
}
