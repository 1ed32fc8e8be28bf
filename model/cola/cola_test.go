package cola_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/testenv"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

const stories = "../../models/stories260K"

// tiny is a CoLA model on the shipped stories260K backbone with 2 IDM blocks, 2 merge MLPs,
// 3 policy blocks and 32 codes, saved by SaveCoLA and loaded back by LoadCoLA.
var tinyModules = cola.Modules{Codes: 32, ActionLayers: 2, DynaLayers: 2, PolicyLayers: 3}

func tinyDir(t testing.TB) string {
	t.Helper()
	c, err := checkpoint.OpenCoLA(stories, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}, &tinyModules, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	dir := filepath.Join(t.TempDir(), "tiny-cola")
	if err := c.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadTiny(t testing.TB) (*cola.Model, string) {
	dir := tinyDir(t)
	c, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Free)
	return c.CoLA, dir
}

func TestReleasedLayoutHas410Tensors(t *testing.T) {
	bb := llama.Config{ModelType: "llama", Dim: 4096, FFN: 14336, Layers: 32, Heads: 32, KVHeads: 8,
		Vocab: 128256, NormEps: 1e-5, RopeTheta: 500000}
	m, err := cola.New(cola.NewConfig(bb, cola.Released), gotch.CPU, gotch.BFloat16)
	if err != nil {
		t.Fatal(err)
	}
	params := m.Params()
	if len(params) != 410 {
		t.Fatalf("8B CoLA has %d tensors, want 410", len(params))
	}
	dims := m.Config.Dims()
	want := map[string][]int64{
		"model.action_code_book.weight":                 {4096, 64},
		"model.action_head.weight":                      {64, 4096},
		"model.policy_head.weight":                      {64, 4096},
		"model.action_merge_layers.1.gate_proj.weight":  {14336, 8192},
		"model.action_merge_layers.1.up_proj.weight":    {14336, 8192},
		"model.action_merge_layers.1.down_proj.weight":  {4096, 14336},
		"model.action_layers.3.self_attn.k_proj.weight": {1024, 4096},
		"model.policy_layers.7.mlp.down_proj.weight":    {4096, 14336},
		"model.action_norm.weight":                      {4096},
		"model.policy_norm.weight":                      {4096},
		"lm_head.weight":                                {128256, 4096},
	}
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			t.Errorf("duplicate tensor %s", p.Name)
		}
		seen[p.Name] = true
		shape, err := dims.Resolve(p)
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[p.Name]; ok {
			if len(w) != len(shape) || w[0] != shape[0] || (len(w) > 1 && w[1] != shape[1]) {
				t.Errorf("%s: shape %v, want %v", p.Name, shape, w)
			}
			delete(want, p.Name)
		}
		if *p.Ptr != nil {
			t.Errorf("%s allocated by New", p.Name)
		}
	}
	for n := range want {
		t.Errorf("tensor %s not declared", n)
	}
	if n := len(weights.Walk(m)); n != 410-291 {
		t.Errorf("CoLA modules: %d tensors, want 119", n)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c, dir := loadTiny(t)
	if !cola.IsCoLA(dir) || cola.IsCoLA(stories) {
		t.Fatalf("IsCoLA: cola folder %v, llama folder %v", cola.IsCoLA(dir), cola.IsCoLA(stories))
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]float64{"num_code": 32, "num_action_layer": 2, "num_dyna_layer": 2,
		"num_policy_layer": 3, "v": 1, "hidden_size": 64, "intermediate_size": 172} {
		if raw[k] != v {
			t.Errorf("config.json %s = %v, want %v", k, raw[k], v)
		}
	}
	if a, _ := raw["architectures"].([]any); len(a) != 1 || a[0] != cola.Architecture {
		t.Errorf("architectures %v", raw["architectures"])
	}
	if len(c.ActionLayers) != 2 || len(c.Merge) != 2 || len(c.PolicyLayers) != 3 || len(c.Layers) != 5 {
		t.Errorf("layer counts %d/%d/%d/%d", len(c.ActionLayers), len(c.Merge), len(c.PolicyLayers), len(c.Layers))
	}
	// The released layout writes no wm_minus_h and means norm(s) - h; a world model without the
	// - h says so in its config.json, and reads back so.
	if _, ok := raw["wm_minus_h"]; ok || !c.Config.MinusH() {
		t.Errorf("released layout: wm_minus_h %v in config.json, MinusH %v", raw["wm_minus_h"], c.Config.MinusH())
	}
	plain := cola.NewConfig(c.Config.Config, cola.Modules{Codes: 8, ActionLayers: 1, DynaLayers: 1, PolicyLayers: 1, NoMinusH: true})
	pdir := t.TempDir()
	pb, _ := json.Marshal(plain)
	if err := os.WriteFile(filepath.Join(pdir, "config.json"), pb, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := cola.ReadConfig(pdir)
	if err != nil || back.MinusH() {
		t.Errorf("wm_minus_h = false did not read back (%s): %v", pb, err)
	}
}

func TestInitIsSeeded(t *testing.T) {
	c, _ := loadTiny(t)
	a := tensor.Float32s(c.ActionHead.W)
	if err := c.InitModules(7); err != nil {
		t.Fatal(err)
	}
	if b := tensor.Float32s(c.ActionHead.W); !equal(a, b) {
		t.Fatal("same seed gave different weights")
	}
	if err := c.InitModules(8); err != nil {
		t.Fatal(err)
	}
	if b := tensor.Float32s(c.ActionHead.W); equal(a, b) {
		t.Fatal("another seed gave the same weights")
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fixture: three sequences of different lengths and a code per position.
var seqs = [][]int64{
	{1, 403, 407, 261, 378, 434, 422, 261, 260},
	{1, 67, 281, 310, 500, 13},
	{1, 25, 30, 411, 259, 280, 296, 390, 44, 67, 93, 10},
}

func codesFor(b, T, C int) []int64 {
	out := make([]int64, T)
	for t := range out {
		out[t] = int64((7*t + 5*b + 3) % C)
	}
	return out
}

type refOut struct {
	IDM, Policy, WM, Logits [][]float64
}

func runReference(t *testing.T, dir string, C int) []refOut {
	python := testenv.PythonWith(t, "torch")
	req := map[string]any{"seqs": seqs}
	var codes [][]int64
	for b, s := range seqs {
		codes = append(codes, codesFor(b, len(s), C))
	}
	req["codes"] = codes
	tmp := t.TempDir()
	reqPath, outPath := filepath.Join(tmp, "req.json"), filepath.Join(tmp, "out.json")
	jb, _ := json.Marshal(req)
	if err := os.WriteFile(reqPath, jb, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "testdata/cola_ref.py", dir, reqPath, outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference: %v\n%s", err, out)
	}
	var ref []refOut
	ob, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ob, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// padded lays the sequences out left-padded, [B*L], with each sequence's padding.
func padded(rows [][]int64) ([]int64, []int, int) {
	L := 0
	for _, s := range rows {
		L = max(L, len(s))
	}
	flat := make([]int64, len(rows)*L)
	pad := make([]int, len(rows))
	for b, s := range rows {
		pad[b] = L - len(s)
		copy(flat[b*L+pad[b]:], s)
	}
	return flat, pad, L
}

type diff struct {
	name string
	max  float64
}

func (d *diff) rows(t *testing.T, got []float32, want [][]float64, gotRow func(i int) int, n int) {
	for i, w := range want {
		r := gotRow(i)
		for j, x := range w {
			dd := math.Abs(float64(got[r*n+j]) - x)
			if dd > d.max {
				d.max = dd
			}
		}
	}
}

func TestMatchesPyTorchReference(t *testing.T) {
	c, dir := loadTiny(t)
	C, V := c.Config.NumCode, c.Config.Vocab
	ref := runReference(t, dir, C)
	flat, pad, L := padded(seqs)
	B := len(seqs)
	var codes []int64
	for b := range seqs {
		cs := make([]int64, L)
		copy(cs[pad[b]:], codesFor(b, len(seqs[b]), C))
		codes = append(codes, cs...)
	}

	// Whole texts, no cache.
	x := tensor.FromInt64s(flat, []int64{int64(B), int64(L)}, gotch.CPU)
	defer x.MustDrop()
	batch := &llama.Batch{Pad: pad}
	h, err := c.Hidden(x, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	idm := mustF(t)(c.IDMLogits(h, batch))
	pol := mustF(t)(c.PolicyLogits(h, batch, nil))
	ct := tensor.FromInt64s(codes, []int64{int64(B), int64(L)}, gotch.CPU)
	defer ct.MustDrop()
	wm := mustF(t)(c.WorldModelLogits(h, ct))
	lg := tensor.Float32s(c.Logits(h))
	ds := []*diff{{name: "idm"}, {name: "policy"}, {name: "world model"}, {name: "backbone"}}
	for b := range seqs {
		row := func(i int) int { return b*L + pad[b] + i }
		ds[0].rows(t, idm, ref[b].IDM, row, C)
		ds[1].rows(t, pol, ref[b].Policy, row, C)
		ds[2].rows(t, wm, ref[b].WM, row, V)
		ds[3].rows(t, lg, ref[b].Logits, row, V)
	}
	for _, d := range ds {
		t.Logf("batched, no cache: %s max |go - torch| = %.3g", d.name, d.max)
		if d.max > 1e-4 {
			t.Errorf("%s differs from the reference by %.3g", d.name, d.max)
		}
	}

	// With both caches: the first 4 slots at once, then one slot at a time.
	caches := c.NewCaches(B, 4)
	defer caches.Free()
	batch = &llama.Batch{Pad: pad}
	dp, dw := &diff{name: "policy"}, &diff{name: "world model"}
	for start := 0; start < L; {
		T := 1
		if start == 0 {
			T = 4
		}
		chunk, cchunk := make([]int64, 0, B*T), make([]int64, 0, B*T)
		for b := 0; b < B; b++ {
			chunk = append(chunk, flat[b*L+start:b*L+start+T]...)
			cchunk = append(cchunk, codes[b*L+start:b*L+start+T]...)
		}
		xs := tensor.FromInt64s(chunk, []int64{int64(B), int64(T)}, gotch.CPU)
		cs := tensor.FromInt64s(cchunk, []int64{int64(B), int64(T)}, gotch.CPU)
		h, err := c.Hidden(xs, batch, caches.Main)
		if err != nil {
			t.Fatal(err)
		}
		pol := mustF(t)(c.PolicyLogits(h, batch, caches.Policy))
		wm := mustF(t)(c.WorldModelLogits(h, cs))
		batch.Advance(T)
		tensor.Drop(xs, cs, h)
		for b := range seqs {
			for i := 0; i < T; i++ {
				p := start + i - pad[b]
				if p < 0 {
					continue
				}
				row := func(int) int { return b*T + i }
				dp.rows(t, pol, ref[b].Policy[p:p+1], row, C)
				dw.rows(t, wm, ref[b].WM[p:p+1], row, V)
			}
		}
		start += T
	}
	for _, d := range []*diff{dp, dw} {
		t.Logf("batched, cached: %s max |go - torch| = %.3g", d.name, d.max)
		if d.max > 1e-4 {
			t.Errorf("cached %s differs from the reference by %.3g", d.name, d.max)
		}
	}
}

func mustF(t *testing.T) func(*ts.Tensor, error) []float32 {
	return func(x *ts.Tensor, err error) []float32 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer x.MustDrop()
		return tensor.Float32s(x)
	}
}

// hashBackbone fingerprints every backbone tensor.
func hashBackbone(t *testing.T, m *cola.Model) string {
	h := sha256.New()
	for _, p := range weights.Walk(m.Backbone()) {
		if (*p.Ptr).MustRequiresGrad() {
			t.Errorf("backbone tensor %s requires grad", p.Name)
		}
		h.Write([]byte(p.Name))
		for _, f := range tensor.Float32s(*p.Ptr) {
			binary.Write(h, binary.LittleEndian, f)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestModulesLeaveBackboneUntouched(t *testing.T) {
	c, _ := loadTiny(t)
	before := hashBackbone(t, c)
	x := tensor.FromInt64s(seqs[0], []int64{1, int64(len(seqs[0]))}, gotch.CPU)
	defer x.MustDrop()
	batch := &llama.Batch{Pad: []int{0}}
	h, err := c.Hidden(x, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	mustF(t)(c.IDMLogits(h, batch))
	mustF(t)(c.PolicyLogits(h, batch, nil))
	codes := tensor.FromInt64s(make([]int64, len(seqs[0])), []int64{1, int64(len(seqs[0]))}, gotch.CPU)
	defer codes.MustDrop()
	mustF(t)(c.WorldModelLogits(h, codes))
	if err := c.InitModules(99); err != nil {
		t.Fatal(err)
	}
	if after := hashBackbone(t, c); after != before {
		t.Fatal("the backbone changed")
	}
}

func TestLoadRejectsPlainLlama(t *testing.T) {
	_, err := cola.ReadConfig(stories)
	if err == nil || !strings.Contains(err.Error(), "not a CoLA checkpoint") {
		t.Fatalf("ReadConfig of a Llama folder: %v", err)
	}
}

// TestNewPolicy: a fresh policy of another depth replaces the old one, leaves the other modules
// alone, is seeded, and saves and loads as the released layout.
func TestNewPolicy(t *testing.T) {
	m, _ := loadTiny(t)
	idm := tensor.Float32s(m.ActionHead.W)
	if err := m.NewPolicy(5, 9); err != nil {
		t.Fatal(err)
	}
	if len(m.PolicyLayers) != 5 || m.Config.NumPolicyLayer != 5 || m.PolicyHead.W == nil {
		t.Fatalf("policy has %d layers, config %d", len(m.PolicyLayers), m.Config.NumPolicyLayer)
	}
	if !equal(idm, tensor.Float32s(m.ActionHead.W)) {
		t.Fatal("NewPolicy changed the IDM")
	}
	head := tensor.Float32s(m.PolicyHead.W)
	if err := m.NewPolicy(5, 9); err != nil {
		t.Fatal(err)
	}
	if !equal(head, tensor.Float32s(m.PolicyHead.W)) {
		t.Fatal("the same seed gave another policy")
	}
	if got := len(weights.Walk(m)); got != 2*9+2+1+2*3+5*9+2 { // IDM, its norm and head, codebook, merge, policy, its norm and head
		t.Errorf("%d module tensors after NewPolicy", got)
	}
}
