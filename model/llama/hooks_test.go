package llama_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/testenv"
	"colash/model/checkpoint"
	"colash/model/hooks"
	"colash/model/llama"
	"colash/model/llama/compiled"
	"colash/model/tensor"
)

// transformerLensLlama is the list of activations TransformerLens's run_with_cache returns for
// a two-layer Llama (HookedTransformer, rotary attention, RMS norms, gated MLP), in its order
// within a block; colash adds hook_logits, the output head's result.
const transformerLensLlama = `hook_embed
blocks.0.hook_resid_pre blocks.0.ln1.hook_scale blocks.0.ln1.hook_normalized
blocks.0.attn.hook_q blocks.0.attn.hook_k blocks.0.attn.hook_v blocks.0.attn.hook_rot_q blocks.0.attn.hook_rot_k
blocks.0.attn.hook_attn_scores blocks.0.attn.hook_pattern blocks.0.attn.hook_z
blocks.0.hook_attn_out blocks.0.hook_resid_mid blocks.0.ln2.hook_scale blocks.0.ln2.hook_normalized
blocks.0.mlp.hook_pre blocks.0.mlp.hook_pre_linear blocks.0.mlp.hook_post blocks.0.hook_mlp_out blocks.0.hook_resid_post
blocks.1.hook_resid_pre blocks.1.ln1.hook_scale blocks.1.ln1.hook_normalized
blocks.1.attn.hook_q blocks.1.attn.hook_k blocks.1.attn.hook_v blocks.1.attn.hook_rot_q blocks.1.attn.hook_rot_k
blocks.1.attn.hook_attn_scores blocks.1.attn.hook_pattern blocks.1.attn.hook_z
blocks.1.hook_attn_out blocks.1.hook_resid_mid blocks.1.ln2.hook_scale blocks.1.ln2.hook_normalized
blocks.1.mlp.hook_pre blocks.1.mlp.hook_pre_linear blocks.1.mlp.hook_post blocks.1.hook_mlp_out blocks.1.hook_resid_post
ln_final.hook_scale ln_final.hook_normalized`

func TestHookNamesMatchTransformerLens(t *testing.T) {
	want := append(strings.Fields(transformerLensLlama), "hook_logits")
	if got := hooks.Llama(2); !slices.Equal(got, want) {
		t.Fatalf("hook names differ from TransformerLens's:\ngot  %v\nwant %v", got, want)
	}
}

// shipped loads the repository's stories260K (a Hugging Face folder).
func shipped(t testing.TB) *checkpoint.Model {
	t.Helper()
	m, err := checkpoint.Open(filepath.Join(testenv.Root(t), "models", "stories260K"), checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	m.Llama.Hooks = &hooks.Set{}
	return m
}

// allLogits runs ids in one call and returns the logits at every position, [T*V].
func allLogits(t *testing.T, m *llama.Model, ids []int64) []float32 {
	t.Helper()
	x, err := m.Tokens(ids, 1, len(ids))
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	h, err := m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	lg := m.Logits(h)
	defer lg.MustDrop()
	return tensor.Float32s(lg)
}

// decodeLogits feeds ids one at a time through the KV cache and returns each step's logits.
func decodeLogits(t *testing.T, m *llama.Model, ids []int64) []float32 {
	t.Helper()
	batch := &llama.Batch{Pad: []int{0}}
	cache := m.NewCache(1, len(ids))
	defer cache.Free()
	var out []float32
	for _, id := range ids {
		x, _ := m.Tokens([]int64{id}, 1, 1)
		lg, err := m.LastLogits(x, batch, cache)
		x.MustDrop()
		if err != nil {
			t.Fatal(err)
		}
		batch.Advance(1)
		out = append(out, tensor.Float32s(lg)...)
		lg.MustDrop()
	}
	return out
}

var story = []int64{1, 403, 411, 261, 357, 281, 291, 306, 385, 269, 2, 300}

// goOpsOnly runs the test's hook-free passes on the Go ops too: a hook that replaces the
// attention scores or pattern makes attention run as explicit Go ops, which agree with the
// compiled step's (that hook-free passes take) to ~1e-6, not bit for bit (TestCompiled*).
func goOpsOnly(t *testing.T) {
	llama.Compiled = false
	t.Cleanup(func() { llama.Compiled = true })
}

func TestIdentityHooksLeaveLogitsBitIdentical(t *testing.T) {
	goOpsOnly(t)
	m := shipped(t).Llama
	plain, plainDecode := allLogits(t, m, story), decodeLogits(t, m, story)
	calls := map[string]int{}
	for _, name := range m.HookNames() {
		m.Hooks.Add(name, func(x *ts.Tensor, at hooks.Site) *ts.Tensor {
			calls[at.Name]++
			return tensor.Clone(x) // a new tensor with the same values
		})
	}
	if !slices.Equal(allLogits(t, m, story), plain) {
		t.Error("identity hooks changed the logits of a whole-text forward pass")
	}
	if !slices.Equal(decodeLogits(t, m, story), plainDecode) {
		t.Error("identity hooks changed the logits of cached decoding")
	}
	for _, name := range m.HookNames() {
		if calls[name] != 1+len(story) {
			t.Errorf("hook %s called %d times, want %d", name, calls[name], 1+len(story))
		}
	}
}

// cacheAt records the activation at name on ids.
func cacheAt(t *testing.T, m *llama.Model, name string, ids []int64) *ts.Tensor {
	var kept *ts.Tensor
	undo := m.Hooks.Add(name, func(x *ts.Tensor, _ hooks.Site) *ts.Tensor { kept = tensor.Clone(x); return nil })
	allLogits(t, m, ids)
	undo()
	return kept
}

func TestPatchingResidPreReproducesTheOtherText(t *testing.T) {
	m := shipped(t).Llama
	clean := story
	corrupt := slices.Clone(story)
	corrupt[3], corrupt[7] = 500, 42 // same length, other tokens
	want := allLogits(t, m, clean)
	if slices.Equal(allLogits(t, m, corrupt), want) {
		t.Fatal("the two texts give the same logits")
	}
	for i := range m.Config.Layers {
		name := fmt.Sprintf("blocks.%d.hook_resid_pre", i)
		act := cacheAt(t, m, name, clean)
		undo := m.Hooks.Add(name, func(x *ts.Tensor, at hooks.Site) *ts.Tensor {
			if at.T != len(clean) || at.Pos[len(clean)-1] != int64(len(clean)-1) {
				t.Errorf("%s: site %+v", name, at)
			}
			return tensor.Clone(act)
		})
		got := allLogits(t, m, corrupt)
		undo()
		act.MustDrop()
		if d := maxDiff(got, want); d > 0 {
			t.Errorf("patching %s: logits differ from the clean text's by %g", name, d)
		}
	}
	if m.Hooks.Len() != 0 {
		t.Errorf("%d hook points still set after undo", m.Hooks.Len())
	}
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestHookPointsMatchTorch(t *testing.T) {
	py := testenv.PythonWith(t, "torch")
	cm := shipped(t)
	m := cm.Llama
	L := m.Config.Layers
	resid := cacheAt(t, m, fmt.Sprintf("blocks.%d.hook_resid_post", L-1), story)
	norm := cacheAt(t, m, "ln_final.hook_normalized", story)
	defer tensor.Drop(resid, norm)

	dir := t.TempDir()
	b, _ := json.Marshal(story)
	os.WriteFile(filepath.Join(dir, "ids.json"), b, 0o644)
	cmd := exec.Command(py, "testdata/hooks_ref.py", filepath.Join(testenv.Root(t), "models", "stories260K"),
		filepath.Join(dir, "ids.json"), filepath.Join(dir, "out.json"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference failed: %v\n%s", err, msg)
	}
	var ref struct {
		ResidPost  [][]float64 `json:"resid_post"`
		Normalized [][]float64 `json:"normalized"`
	}
	b, _ = os.ReadFile(filepath.Join(dir, "out.json"))
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  *ts.Tensor
		want [][]float64
	}{{"hook_resid_post", resid, ref.ResidPost}, {"ln_final.hook_normalized", norm, ref.Normalized}} {
		got := tensor.Float32s(c.got)
		var flat []float32
		for _, row := range c.want {
			for _, v := range row {
				flat = append(flat, float32(v))
			}
		}
		if len(got) != len(flat) {
			t.Fatalf("%s: %d values, reference %d", c.name, len(got), len(flat))
		}
		if d := maxDiff(got, flat); d > 1e-5 {
			t.Errorf("%s differs from PyTorch by %g", c.name, d)
		} else {
			t.Logf("%s: max |colash - torch| = %.2g", c.name, d)
		}
	}
}

// Hooks that only observe (cache every point, return nothing) leave a pass bit for bit the
// hook-free, compiled one, whole-text and in cached decoding.
func TestObservingHooksLeaveTheCompiledLogits(t *testing.T) {
	m := shipped(t).Llama
	plain, plainDecode := allLogits(t, m, story), decodeLogits(t, m, story)
	calls := 0
	var undo []func()
	for _, name := range m.HookNames() {
		undo = append(undo, m.Hooks.Add(name, func(x *ts.Tensor, _ hooks.Site) *ts.Tensor { calls++; return nil }))
	}
	if !slices.Equal(allLogits(t, m, story), plain) {
		t.Error("observing hooks changed the logits of a whole-text forward pass")
	}
	if !slices.Equal(decodeLogits(t, m, story), plainDecode) {
		t.Error("observing hooks changed the logits of cached decoding")
	}
	if calls == 0 {
		t.Error("no hook was called")
	}
	for _, u := range undo {
		u()
	}
	before := compiled.Calls()
	allLogits(t, m, story)
	if compiled.Calls() == before {
		t.Error("with every hook removed, a pass does not run compiled again")
	}
}
