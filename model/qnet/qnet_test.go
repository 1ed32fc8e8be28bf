package qnet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/model/weights"
)

var cpu = checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}

// tiny is a fresh Q-network on the shipped tiny CoLA's backbone, and its tokenizer's path.
func tiny(t *testing.T, seed uint64) (*QNet, string) {
	t.Helper()
	m, err := checkpoint.Open("../../models/stories260K-cola", cpu)
	if err != nil {
		t.Fatal(err)
	}
	weights.Free(m.CoLA)
	q, err := New(m.Llama, m.CoLA.Config.NumCode, seed)
	if err != nil {
		m.Llama.Free()
		t.Fatal(err)
	}
	t.Cleanup(q.Free)
	return q, m.TokenizerPath
}

// testdata/value_head-seed7.safetensors is the value_head.safetensors that Save wrote before the
// head was a head.Head, for New on the tiny CoLA's backbone with seed 7. A folder holding it
// still loads, to the weights seed 7 draws today (value_head.weight [C,d], no bias).
func TestLoadsAHeadFileOfTheEarlierLayout(t *testing.T) {
	q, tok := tiny(t, 7)
	dir := t.TempDir()
	if err := q.Save(dir, tok); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile("testdata/value_head-seed7.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, HeadFile), old, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir, cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Free()
	want, got := tensor.Float32s(q.Head.W), tensor.Float32s(back.Head.W)
	if len(got) != q.Codes*q.Config.Dim || back.Codes != q.Codes || back.Head.B != nil {
		t.Fatalf("loaded %d values, %d codes, bias %v", len(got), back.Codes, back.Head.B)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value_head.weight[%d]: loaded %v, seed 7 draws %v", i, got[i], want[i])
		}
	}
	names := weights.Walk(back.Model)
	if ps := back.Params(); len(ps) != len(names)+1 || ps[len(ps)-1].Name != "value_head.weight" {
		t.Fatalf("Params ends with %q after %d body weights", ps[len(ps)-1].Name, len(names))
	}
}
