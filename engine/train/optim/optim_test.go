package optim

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/testenv"
	"colash/model/tensor"
)

func leaf(v []float32, shape ...int64) *ts.Tensor {
	t := tensor.FromFloat32s(v, shape, gotch.CPU)
	t2 := t.MustSetRequiresGrad(true, false)
	t.MustDrop()
	return t2
}

// quadLoss is sum((w * x - y)^2) over elements; its gradient is 2 x (w x - y).
func quadLoss(w *ts.Tensor, x, y []float32) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	xt := s.T(tensor.FromFloat32s(x, w.MustSize(), gotch.CPU))
	yt := s.T(tensor.FromFloat32s(y, w.MustSize(), gotch.CPU))
	d := s.T(s.T(w.MustMul(xt, false)).MustSub(yt, false))
	return d.MustSquare(false).MustSum(gotch.Float, true)
}

func backward(t *testing.T, loss *ts.Tensor) {
	t.Helper()
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	loss.MustDrop()
}

// adamwRef is the torch.optim.AdamW update on plain float64 slices.
type adamwRef struct {
	w, m, v []float64
	t       int
}

func (r *adamwRef) step(g []float64, lr, wd, b1, b2, eps float64) {
	r.t++
	bc1 := 1 - math.Pow(b1, float64(r.t))
	bc2 := 1 - math.Pow(b2, float64(r.t))
	for i := range r.w {
		r.w[i] *= 1 - lr*wd
		r.m[i] = b1*r.m[i] + (1-b1)*g[i]
		r.v[i] = b2*r.v[i] + (1-b2)*g[i]*g[i]
		r.w[i] -= lr / bc1 * r.m[i] / (math.Sqrt(r.v[i])/math.Sqrt(bc2) + eps)
	}
}

func TestAdamWHandComputed(t *testing.T) {
	w0 := []float32{0.5, -1, 2, 0.25}
	x := []float32{1, 2, -1, 3}
	y := []float32{0, 1, 1, -2}
	w := leaf(w0, 4)
	defer w.MustDrop()
	cfg := DefaultConfig()
	cfg.WeightDecay = 0.1
	o, err := NewAdamW([]Param{{Name: "w", W: w}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Free()
	ref := &adamwRef{w: make([]float64, 4), m: make([]float64, 4), v: make([]float64, 4)}
	for i, v := range w0 {
		ref.w[i] = float64(v)
	}
	for step := 0; step < 5; step++ {
		lr := 0.05
		g := make([]float64, 4)
		for i := range g {
			g[i] = 2 * float64(x[i]) * (ref.w[i]*float64(x[i]) - float64(y[i]))
		}
		ref.step(g, lr, 0.1, 0.9, 0.999, 1e-8)
		o.ZeroGrad()
		backward(t, quadLoss(w, x, y))
		if err := o.Step(lr); err != nil {
			t.Fatal(err)
		}
	}
	got := tensor.Float32s(w)
	for i := range got {
		if math.Abs(float64(got[i])-ref.w[i]) > 1e-6 {
			t.Fatalf("w[%d] = %v, want %v", i, got[i], ref.w[i])
		}
	}
	// The first step of Adam moves each weight by lr (times sign of g) before decay.
	if o.Steps != 5 {
		t.Fatalf("steps = %d", o.Steps)
	}
}

func TestAdamWGroupsNoDecay(t *testing.T) {
	// With a zero gradient, only weight decay moves a weight: the no-decay group must not move.
	a := leaf([]float32{1, 2}, 2)
	b := leaf([]float32{1, 2}, 2)
	defer a.MustDrop()
	defer b.MustDrop()
	cfg := DefaultConfig()
	cfg.Groups = map[string]Group{"nodecay": {WeightDecay: 0}}
	o, err := NewAdamW([]Param{{Name: "a", W: a}, {Name: "b", W: b, Group: "nodecay"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Free()
	l := a.MustSum(gotch.Float, false).MustMulScalar(tensor.Scalar(0), true)
	l2 := b.MustSum(gotch.Float, false).MustMulScalar(tensor.Scalar(0), true)
	sum := l.MustAdd(l2, true)
	l2.MustDrop()
	backward(t, sum)
	if err := o.Step(0.1); err != nil {
		t.Fatal(err)
	}
	ga, gb := tensor.Float32s(a), tensor.Float32s(b)
	if math.Abs(float64(ga[0])-0.999) > 1e-6 || math.Abs(float64(ga[1])-1.998) > 1e-6 {
		t.Fatalf("decayed group: %v, want [0.999 1.998]", ga)
	}
	if gb[0] != 1 || gb[1] != 2 {
		t.Fatalf("no-decay group moved: %v", gb)
	}
	if _, err := NewAdamW([]Param{{Name: "a", W: a, Group: "nope"}}, cfg); err == nil {
		t.Fatal("unknown group accepted")
	}
}

func TestScheduleValues(t *testing.T) {
	s := Schedule{LR: 1e-3, Min: 1e-4, Warmup: 10, Total: 110}
	cases := []struct {
		step int
		want float64
	}{
		{0, 1e-4}, {4, 5e-4}, {9, 1e-3}, {10, 1e-3},
		{60, 1e-4 + 0.9e-3*0.5}, // half-way through the cosine
		{35, 1e-4 + 0.9e-3*0.5*(1+math.Cos(math.Pi/4))},
		{110, 1e-4}, {500, 1e-4},
	}
	for _, c := range cases {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("At(%d) = %g, want %g", c.step, got, c.want)
		}
	}
	for i := 10; i < 110; i++ {
		if s.At(i+1) > s.At(i)+1e-15 {
			t.Fatalf("cosine part rises at %d", i)
		}
	}
	if (Schedule{LR: 1, Min: 2, Total: 3}).Validate() == nil {
		t.Fatal("min > lr accepted")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := leaf([]float32{1, 1}, 2)
	b := leaf([]float32{1}, 1)
	defer a.MustDrop()
	defer b.MustDrop()
	ps := []Param{{Name: "a", W: a}, {Name: "b", W: b}}
	// loss = 3 a0 + 4 a1 + 12 b: grads (3,4) and (12): norm 13.
	ca := tensor.FromFloat32s([]float32{3, 4}, []int64{2}, gotch.CPU)
	cb := tensor.FromFloat32s([]float32{12}, []int64{1}, gotch.CPU)
	defer ca.MustDrop()
	defer cb.MustDrop()
	la := a.MustMul(ca, false).MustSum(gotch.Float, true)
	lb := b.MustMul(cb, false).MustSum(gotch.Float, true)
	loss := la.MustAdd(lb, true)
	lb.MustDrop()
	backward(t, loss)
	n, err := ClipGradNorm(ps, 0) // measure only
	if err != nil || math.Abs(n-13) > 1e-5 {
		t.Fatalf("norm %v %v, want 13", n, err)
	}
	n, err = ClipGradNorm(ps, 1.3)
	if err != nil || math.Abs(n-13) > 1e-5 {
		t.Fatalf("pre-clip norm %v %v", n, err)
	}
	after, _ := GradNorm(ps)
	if math.Abs(after-1.3) > 1e-4 {
		t.Fatalf("clipped norm %v, want 1.3", after)
	}
	g := a.MustGrad(false)
	v := tensor.Float32s(g)
	g.MustDrop()
	if math.Abs(float64(v[0])-0.3) > 1e-5 || math.Abs(float64(v[1])-0.4) > 1e-5 {
		t.Fatalf("clipped grad %v, want [0.3 0.4]", v)
	}
	// Below the threshold nothing changes.
	n2, _ := ClipGradNorm(ps, 100)
	if math.Abs(n2-1.3) > 1e-4 {
		t.Fatalf("unclipped norm changed: %v", n2)
	}
}

func TestStateRoundTrip(t *testing.T) {
	x := []float32{1, 2, -1, 3}
	y := []float32{0, 1, 1, -2}
	run := func(w *ts.Tensor, o *AdamW, n int) {
		for i := 0; i < n; i++ {
			o.ZeroGrad()
			backward(t, quadLoss(w, x, y))
			if err := o.Step(0.05); err != nil {
				t.Fatal(err)
			}
		}
	}
	w0 := []float32{0.5, -1, 2, 0.25}
	// Straight: 6 steps.
	wa := leaf(w0, 4)
	oa, _ := NewAdamW([]Param{{Name: "w", W: wa}}, DefaultConfig())
	run(wa, oa, 6)
	// 3 steps, save, new optimiser and weights restored, 3 more.
	wb := leaf(w0, 4)
	ob, _ := NewAdamW([]Param{{Name: "w", W: wb}}, DefaultConfig())
	run(wb, ob, 3)
	path := filepath.Join(t.TempDir(), "opt.safetensors")
	if err := ob.Save(path, map[string]string{"x": "y"}); err != nil {
		t.Fatal(err)
	}
	wc := leaf(tensor.Float32s(wb), 4)
	oc, _ := NewAdamW([]Param{{Name: "w", W: wc}}, DefaultConfig())
	md, err := oc.Load(path)
	if err != nil || md["x"] != "y" || oc.Steps != 3 {
		t.Fatalf("load: %v %v steps %d", err, md, oc.Steps)
	}
	run(wc, oc, 3)
	a, c := tensor.Float32s(wa), tensor.Float32s(wc)
	for i := range a {
		if a[i] != c[i] {
			t.Fatalf("resumed weights differ: %v vs %v", a, c)
		}
	}
	for _, o := range []*AdamW{oa, ob, oc} {
		o.Free()
	}
	tensor.Drop(wa, wb, wc)
	// A state for other parameters is refused.
	wd := leaf([]float32{1}, 1)
	defer wd.MustDrop()
	od, _ := NewAdamW([]Param{{Name: "other", W: wd}}, DefaultConfig())
	defer od.Free()
	if _, err := od.Load(path); err == nil {
		t.Fatal("state of another parameter accepted")
	}
}

// TestAdamWAgainstTorch runs the same tiny problem through torch.optim.AdamW when Debian's
// python3-torch is installed.
func TestAdamWAgainstTorch(t *testing.T) {
	py := testenv.PythonWith(t, "torch")
	w0 := []float32{0.5, -1, 2, 0.25, 1.5, -0.75}
	x := []float32{1, 2, -1, 3, 0.5, -2}
	y := []float32{0, 1, 1, -2, 0.3, 0.1}
	lrs := []float64{0.01, 0.03, 0.02, 0.05, 0.04, 0.01, 0.02}
	w := leaf(w0, 2, 3)
	defer w.MustDrop()
	cfg := Config{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}
	o, _ := NewAdamW([]Param{{Name: "w", W: w}}, cfg)
	defer o.Free()
	for _, lr := range lrs {
		o.ZeroGrad()
		backward(t, quadLoss(w, x, y))
		if _, err := ClipGradNorm(o.Params, 5); err != nil {
			t.Fatal(err)
		}
		if err := o.Step(lr); err != nil {
			t.Fatal(err)
		}
	}
	got := tensor.Float32s(w)
	in, _ := json.Marshal(map[string]any{"w": w0, "x": x, "y": y, "lrs": lrs})
	script := `
import json, sys, torch
d = json.load(sys.stdin)
w = torch.tensor(d["w"], dtype=torch.float32).reshape(2, 3).requires_grad_()
x = torch.tensor(d["x"]).reshape(2, 3); y = torch.tensor(d["y"]).reshape(2, 3)
opt = torch.optim.AdamW([w], lr=0.01, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.05)
for lr in d["lrs"]:
    for g in opt.param_groups: g["lr"] = lr
    opt.zero_grad()
    ((w * x - y) ** 2).sum().backward()
    torch.nn.utils.clip_grad_norm_([w], 5.0)
    opt.step()
print(json.dumps(w.detach().reshape(-1).tolist()))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch: %v", err)
	}
	var want []float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Fatalf("w[%d]: go %v torch %v", i, got[i], want[i])
		}
	}
}
