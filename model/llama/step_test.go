package llama_test

import (
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/llama"
	"colash/model/llama/compiled"
	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/weights"
)

// bothPaths runs f with the compiled step and with the Go reference (llama.Compiled off), checks
// that the compiled one really ran, and returns both results.
func bothPaths(t *testing.T, f func() []float32) (fast, ref []float32) {
	t.Helper()
	defer func() { llama.Compiled = true }()
	llama.Compiled = true
	before := compiled.Calls()
	fast = f()
	if compiled.Calls() == before {
		t.Fatal("the compiled step did not run")
	}
	llama.Compiled = false
	ref = f()
	if len(fast) != len(ref) || len(ref) == 0 {
		t.Fatalf("%d values against %d", len(fast), len(ref))
	}
	return fast, ref
}

func requireClose(t *testing.T, what string, fast, ref []float32, tol float64) {
	t.Helper()
	worst, scale := maxDiff(fast, ref), maxDiff(ref, make([]float32, len(ref)))
	t.Logf("%s: max |difference| %.2g (values up to %.2g)", what, worst, scale)
	if worst > tol || scale < 1e-3 {
		t.Errorf("%s: the compiled step differs from the reference by %.2g (values up to %.2g)", what, worst, scale)
	}
}

// stepModel is randomModel with norm weights that are not all ones, so that they count.
func stepModel(t *testing.T) *llama.Model {
	m := randomModel(t)
	for _, b := range m.Layers {
		b.AttnNorm.W.MustUniform_(0.5, 1.5)
		b.MLPNorm.W.MustUniform_(0.5, 1.5)
	}
	return m
}

// Token by token through the cache, at batch 1 (the matrix-vector path) and with it off.
func TestCompiledDecodeMatchesTheReference(t *testing.T) {
	m := stepModel(t)
	ids := []int64{1, 17, 400, 100, 137, 174, 211, 5, 9, 999, 3, 42, 8, 77, 12, 300, 301, 302, 16, 4} // past the cache's first 16 slots
	for _, mv := range []bool{true, false} {
		nn.MatVec = mv
		fast, ref := bothPaths(t, func() []float32 { return decodeLogits(t, m, ids) })
		requireClose(t, map[bool]string{true: "mv", false: "linear"}[mv], fast, ref, 1e-5)
	}
	nn.MatVec = true
}

// A whole prompt in one call, without a cache: T > 1 and the causal mask.
func TestCompiledPrefillMatchesTheReference(t *testing.T) {
	m := stepModel(t)
	fast, ref := bothPaths(t, func() []float32 { return allLogits(t, m, story) })
	requireClose(t, "prefill", fast, ref, 1e-5)
}

// paddedLogits runs left-padded prompts of different lengths as one batch, then decodes steps
// fixed tokens through a cache that starts too small; it returns every call's last logits.
func paddedLogits(t *testing.T, m *llama.Model, prompts [][]int64, steps int) []float32 {
	t.Helper()
	L := 0
	for _, p := range prompts {
		L = max(L, len(p))
	}
	B := len(prompts)
	batch := &llama.Batch{Pad: make([]int, B)}
	ids := make([]int64, 0, B*L)
	for i, p := range prompts {
		batch.Pad[i] = L - len(p)
		ids = append(append(ids, make([]int64, L-len(p))...), p...)
	}
	cache := m.NewCache(B, 2)
	defer cache.Free()
	var out []float32
	for step := 0; step <= steps; step++ {
		T := L
		if step > 0 {
			T, ids = 1, make([]int64, B)
			for i := range ids {
				ids[i] = int64(10*step + i)
			}
		}
		x, err := m.Tokens(ids, B, T)
		if err != nil {
			t.Fatal(err)
		}
		lg, err := m.LastLogits(x, batch, cache)
		x.MustDrop()
		if err != nil {
			t.Fatal(err)
		}
		batch.Advance(T)
		out = append(out, tensor.Float32s(lg)...)
		lg.MustDrop()
	}
	return out
}

// A padded batch: the mask, per-sequence positions and cache growth.
func TestCompiledPaddedBatchMatchesTheReference(t *testing.T) {
	m := stepModel(t)
	prompts := [][]int64{{1, 5, 6, 7, 8, 9}, {1, 300}, {1, 40, 41, 42}}
	fast, ref := bothPaths(t, func() []float32 { return paddedLogits(t, m, prompts, 20) })
	requireClose(t, "padded batch", fast, ref, 1e-5)
}

// When autograd must record the pass (a gradient wanted through the backbone), the compiled
// step records it like the Go ops; otherwise its result is an ordinary tensor that later
// trainable ops may save for their backward.
func TestCompiledStepUnderAutograd(t *testing.T) {
	m := stepModel(t)
	embedGrad := func() []float32 {
		m.Embed.W.MustRequiresGrad_(true)
		defer m.Embed.W.MustRequiresGrad_(false)
		defer m.Embed.W.ZeroGrad()
		x, _ := m.Tokens(story, 1, len(story))
		defer x.MustDrop()
		h, err := m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		loss := h.MustMul(h, true).MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
		g := m.Embed.W.MustGrad(false)
		defer g.MustDrop()
		return tensor.Float32s(g)
	}
	fast, ref := bothPaths(t, embedGrad)
	requireClose(t, "gradient through the blocks", fast, ref, 1e-4)

	ids, _ := m.Tokens(story, 1, len(story))
	defer ids.MustDrop()
	sc := &tensor.Scope{}
	defer sc.Close()
	att := (&llama.Batch{Pad: []int{0}}).Attention(m.Rope, int64(len(story)), sc)
	h := llama.RunBlocks(m.Layers, m.Config, sc.T(m.Embed.Forward(ids)), att, nil, sc)
	w := ts.MustOnes([]int64{256}, gotch.Float, gotch.CPU)
	w.MustRequiresGrad_(true)
	defer w.MustDrop()
	err := tensor.Guard(func() {
		loss := h.MustMul(w, false).MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
	})
	if err != nil {
		t.Fatalf("a trainable op on the compiled step's output: %v", err)
	}
}

// In bfloat16 the compiled step takes ATen's attention (the written-out kernel is float32 only);
// both paths round to bf16 after every op, in different places, hence the wider tolerance.
func TestCompiledBFloat16MatchesTheReference(t *testing.T) {
	m := randomModel(t)
	cfg := *m.Config
	b16, err := llama.New(&cfg, gotch.CPU, gotch.BFloat16)
	if err != nil {
		t.Fatal(err)
	}
	if err := weights.Init(b16, cfg.Dims(), 3, gotch.CPU, gotch.BFloat16); err != nil {
		t.Fatal(err)
	}
	for _, b := range b16.Layers {
		b.Fuse()
		b.AttnNorm.W.MustUniform_(0.5, 1.5)
	}
	defer b16.Free()
	prompts := [][]int64{{1, 5, 6, 7, 8, 9}, {1, 300}}
	fast, ref := bothPaths(t, func() []float32 { return paddedLogits(t, b16, prompts, 6) })
	requireClose(t, "bf16 padded batch", fast, ref, 0.05)
}

// Unfused blocks (the ones that train) run the compiled step too: the same logits, and under
// autograd the same gradients for every block weight as the Go ops.
func TestCompiledUnfusedBlocksTrainLikeTheReference(t *testing.T) {
	m := stepModel(t)
	var params []*ts.Tensor
	for _, b := range m.Layers {
		b.Unfuse()
		params = append(params, b.AttnNorm.W, b.Q.W, b.K.W, b.V.W, b.O.W, b.MLPNorm.W, b.MLP.Gate.W, b.MLP.Up.W, b.MLP.Down.W)
	}
	fast, ref := bothPaths(t, func() []float32 { return decodeLogits(t, m, story) })
	requireClose(t, "unfused decode", fast, ref, 1e-5)

	grads := func() []float32 {
		for _, p := range params {
			p.MustRequiresGrad_(true)
		}
		defer func() {
			for _, p := range params {
				p.ZeroGrad()
				p.MustRequiresGrad_(false)
			}
		}()
		x, _ := m.Tokens(story, 2, len(story)/2)
		defer x.MustDrop()
		h, err := m.Hidden(x, &llama.Batch{Pad: []int{0, 2}}, nil) // the second row's first two slots are padding
		if err != nil {
			t.Fatal(err)
		}
		loss := h.MustMul(h, true).MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
		var out []float32
		for _, p := range params {
			g := p.MustGrad(false)
			out = append(out, tensor.Float32s(g)...)
			g.MustDrop()
		}
		return out
	}
	fast, ref = bothPaths(t, grads)
	requireClose(t, "block weight gradients", fast, ref, 1e-4)
}

// A small pass runs on one thread and leaves the caller's thread count as it found it.
func TestCompiledStepKeepsTheThreadCount(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := tensor.Threads()
	defer tensor.SetThreads(before)
	tensor.SetThreads(2)
	m := stepModel(t)
	decodeLogits(t, m, story[:3])
	if got := tensor.Threads(); got != 2 {
		t.Errorf("after a compiled decode the thread count is %d, want 2", got)
	}
}
