package optim

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
	"colash/internal/ranktest"
	"colash/model/tensor"
)

// The multi-rank test re-runs this test binary once per rank: with rankVar set, TestMain runs
// reduceRank instead of the tests.
const rankVar = "COLASH_OPTIM_RANK"

func TestMain(m *testing.M) {
	if os.Getenv(rankVar) != "" {
		os.Exit(reduceRank())
	}
	os.Exit(m.Run())
}

// rankGrads back-propagates rank r's loss (r+1)·Σ i·w_i, plus Σ [5 6]·u on the last rank alone
// (the others' rows do not reach u), and reduces the gradients with op.
func rankGrads(g *dist.Group, op dist.Op) (w, u []float32, err error) {
	params := []Param{{Name: "w", W: leaf([]float32{0, 0, 0}, 3)}, {Name: "u", W: leaf([]float32{0, 0}, 2)}}
	defer func() {
		for _, p := range params {
			p.W.MustDrop()
		}
	}()
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		k := float32(g.Rank() + 1)
		x := s.T(tensor.FromFloat32s([]float32{k, 2 * k, 3 * k}, []int64{3}, gotch.CPU))
		loss := s.T(s.T(params[0].W.MustMul(x, false)).MustSum(gotch.Float, false))
		if g.Rank() == g.Size()-1 {
			y := s.T(tensor.FromFloat32s([]float32{5, 6}, []int64{2}, gotch.CPU))
			loss = s.T(loss.MustAdd(s.T(s.T(params[1].W.MustMul(y, false)).MustSum(gotch.Float, false)), false))
		}
		loss.MustBackward()
	})
	if err == nil {
		err = AllReduceGrads(g, params, op)
	}
	if err != nil {
		return nil, nil, err
	}
	gs, err := Grads(params)
	defer tensor.Drop(gs...)
	if err != nil || len(gs) != 2 {
		return nil, nil, fmt.Errorf("%d gradients after the reduction: %v", len(gs), err)
	}
	return tensor.Float32s(gs[0]), tensor.Float32s(gs[1]), nil
}

func reduceRank() int {
	g, err := dist.FromEnv(time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer g.Close()
	for _, c := range []struct {
		op   dist.Op
		w, u []float32
	}{{dist.Sum, []float32{3, 6, 9}, []float32{5, 6}}, {dist.Avg, []float32{1.5, 3, 4.5}, []float32{2.5, 3}}} {
		w, u, err := rankGrads(g, c.op)
		if err == nil && (fmt.Sprint(w) != fmt.Sprint(c.w) || fmt.Sprint(u) != fmt.Sprint(c.u)) {
			err = fmt.Errorf("op %d: gradients %v %v, want %v %v", c.op, w, u, c.w, c.u)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", g.Rank(), err)
			return 1
		}
	}
	fmt.Printf("rank %d ok\n", g.Rank())
	return 0
}

// TestAllReduceGrads: on 2 ranks the gradients are summed (or averaged) in place, a parameter
// that only one rank's loss reaches included.
func TestAllReduceGrads(t *testing.T) {
	for r, res := range ranktest.Run(t, 2, rankVar+"=1") {
		if res.Err != nil || !strings.Contains(res.Stdout, "ok") {
			t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
		}
	}
}

// TestGradsZeroFills: a parameter without a gradient gets a zero one, so that every rank lists
// the same tensors; a world of one reduces nothing and leaves it undefined.
func TestGradsZeroFills(t *testing.T) {
	params := []Param{{Name: "w", W: leaf([]float32{1, 2}, 2)}, {Name: "u", W: leaf([]float32{3, 4, 5}, 3)}}
	backward(t, quadLoss(params[0].W, []float32{1, 1}, []float32{0, 0}))
	if err := AllReduceGrads(dist.Single(), params, dist.Sum); err != nil {
		t.Fatal(err)
	}
	if defined(params[1]) {
		t.Error("a world of one defined an unused parameter's gradient")
	}
	gs, err := Grads(params)
	defer tensor.Drop(gs...)
	if err != nil || len(gs) != 2 {
		t.Fatalf("%d gradients, %v; want 2", len(gs), err)
	}
	if got := fmt.Sprint(tensor.Float32s(gs[0]), tensor.Float32s(gs[1])); got != "[2 4] [0 0 0]" {
		t.Errorf("gradients %s, want [2 4] [0 0 0]", got)
	}
	if !defined(params[1]) {
		t.Error("the unused parameter's gradient is still undefined")
	}
}

func defined(p Param) bool {
	g := p.W.MustGrad(false)
	defer g.MustDrop()
	return g.MustDefined()
}
