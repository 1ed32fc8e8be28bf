package cola_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/tensor"
)

// TestWorldModelGradientRouting checks the one world model, o = norm(s) - h, in each of its
// gradient modes on a live h: the forward values agree, GradResidual sends exactly -dL/do back to
// h (FTA-P: only through -h), GradNorm sends back only the merge-path term (FTA-I), and the two
// add up to GradBoth. Dropping "- h" from any mode, or a detach in the wrong place, fails it.
func TestWorldModelGradientRouting(t *testing.T) {
	m, _ := loadTiny(t)
	d := int64(m.Config.Dim)
	shape := []int64{2, 3, d}
	seeded := func(seed uint64) *ts.Tensor {
		rng := rand.New(rand.NewPCG(seed, 0))
		v := make([]float32, shape[0]*shape[1]*shape[2])
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensor.FromFloat32s(v, shape, gotch.CPU)
	}
	e, r := seeded(1), seeded(2) // code embeddings, and dL/do for L = sum(o * r)
	defer tensor.Drop(e, r)
	run := func(g cola.Grad) (out, grad []float32) {
		err := tensor.Guard(func() {
			s := &tensor.Scope{}
			defer s.Close()
			h := s.T(seeded(3))
			h.MustRequiresGrad_(true)
			o := m.WorldModelState(h, e, g, s)
			s.T(s.T(o.MustMul(r, false)).MustSum(gotch.Float, false)).MustBackward()
			gr := s.T(h.MustGrad(false))
			out, grad = tensor.Float32s(o), tensor.Float32s(gr)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, grad
	}
	oBoth, gBoth := run(cola.GradBoth)
	oNorm, gNorm := run(cola.GradNorm)
	oRes, gRes := run(cola.GradResidual)
	minusR := tensor.Float32s(r)
	for i := range minusR {
		minusR[i] = -minusR[i]
	}
	check := func(what string, a, b []float32, tol float64) {
		t.Helper()
		worst := 0.0
		for i := range a {
			worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
		}
		if worst > tol {
			t.Errorf("%s: differ by up to %g", what, worst)
		}
	}
	check("forward, GradNorm vs GradBoth", oNorm, oBoth, 0)
	check("forward, GradResidual vs GradBoth", oRes, oBoth, 0)
	check("GradResidual: dL/dh = -dL/do", gRes, minusR, 0)
	sum := make([]float32, len(gNorm))
	for i := range sum {
		sum[i] = gNorm[i] + gRes[i]
	}
	check("GradNorm + GradResidual = GradBoth", sum, gBoth, 1e-5)
	norm := 0.0
	for _, v := range gNorm {
		norm += float64(v * v)
	}
	if norm == 0 {
		t.Error("GradNorm: no gradient reaches h through the merge path and the norm")
	}
	// The same weights with wm_minus_h = false output norm(s): o + h of the released form.
	no := false
	m.Config.WMMinusH = &no
	defer func() { m.Config.WMMinusH = nil }()
	oPlain, _ := run(cola.GradBoth)
	h := seeded(3)
	defer h.MustDrop()
	withH := tensor.Float32s(h)
	for i := range withH {
		withH[i] += oBoth[i]
	}
	check("wm_minus_h = false: o = norm(s) = (norm(s) - h) + h", oPlain, withH, 1e-5)
}
