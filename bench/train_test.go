package bench

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"colash/internal/testenv"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/weights"
)

// The train benchmark's PyTorch baseline computes what `colash train lm` computes: from the same
// weights on the same batches (targets masked where a document starts), three steps give the
// same losses and gradient norms (clipping active), and the weights after them match.
func TestTorchTrainingTakesTheSameSteps(t *testing.T) {
	testenv.PythonWith(t, "torch")
	const B, T, steps = 4, 160, 3 // more than one block of queries under the causal mask (model/llama/compiled)
	w, err := newTrainWork(B, T, B*steps, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.free()
	// Steps and decay large enough that every term of the update shows; clipping active.
	w.tcfg.LR, w.tcfg.WeightDecay, w.tcfg.Clip = 1e-2, 1, 0.5
	tr, err := w.trainer()
	if err != nil {
		t.Fatal(err)
	}
	var lrs []string
	var loss, norm []float64
	for range steps {
		lrs = append(lrs, strconv.FormatFloat(w.tcfg.Schedule().At(tr.Step), 'g', -1, 64))
		m, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		loss, norm = append(loss, m.Loss), append(norm, m.GradNorm)
	}
	pt, err := w.startTorch(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pt.close()
	after := filepath.Join(w.dir, "after.safetensors")
	line, err := pt.ask("check " + after + " " + strings.Join(lrs, " "))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Loss     []float64 `json:"loss"`
		GradNorm []float64 `json:"grad_norm"`
	}
	if err := json.Unmarshal([]byte(line), &want); err != nil {
		t.Fatalf("%v: %q", err, line)
	}
	t.Logf("colash loss %v grad norm %v\nPyTorch loss %v grad norm %v", loss, norm, want.Loss, want.GradNorm)
	for i := range steps {
		if rel(loss[i], want.Loss[i]) > 1e-5 || rel(norm[i], want.GradNorm[i]) > 1e-4 {
			t.Errorf("step %d: colash loss %.7g grad norm %.7g, PyTorch %.7g and %.7g", i+1, loss[i], norm[i], want.Loss[i], want.GradNorm[i])
		}
		if norm[i] <= w.tcfg.Clip {
			t.Errorf("step %d: gradient norm %.3g is under the clip %g: clipping is not tested", i+1, norm[i], w.tcfg.Clip)
		}
	}
	// Adam divides by the root of the second moment, so a few weights whose gradients are near
	// zero may move differently; all others must land on PyTorch's.
	before, err := safetensors.Open(filepath.Join(w.dir, "weights.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	theirs, err := safetensors.Open(after)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	off, total, moved := 0, 0, 0.0
	for _, p := range weights.Walk(w.net) {
		w0, err := before.ReadFloat32(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := theirs.ReadFloat32(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range tensor.Float32s(*p.Ptr) {
			if math.Abs(float64(v)-float64(want[i])) > 1e-5 {
				off++
			}
			moved = max(moved, math.Abs(float64(v)-float64(w0[i])))
		}
		total += len(want)
	}
	t.Logf("weights after %d steps: %d of %d differ from PyTorch's by more than 1e-5 (the largest step moved one by %.2g)", steps, off, total, moved)
	if off > total/100 {
		t.Errorf("%d of %d weights differ from PyTorch's by more than 1e-5 after %d steps", off, total, steps)
	}
}

func rel(a, b float64) float64 { return math.Abs(a-b) / max(math.Abs(b), 1e-12) }
