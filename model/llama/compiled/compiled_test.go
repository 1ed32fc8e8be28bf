package compiled

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

func ones(shape ...int64) *ts.Tensor { return ts.MustOnes(shape, gotch.Float, gotch.CPU) }

// A block of d=8 with 2 query and 1 key/value head of size 4; ffn 6.
func layer() Layer {
	return Layer{AttnNorm: ones(8), QKV: ones(16, 8), O: ones(8, 8), MLPNorm: ones(8), GateUp: ones(12, 8), Down: ones(8, 6)}
}

func pass(T int64) Pass {
	return Pass{X: ones(1, T, 8), Cos: ones(1, T, 1, 4), Sin: ones(1, T, 1, 4)}
}

// Bad input comes back as an error naming what is wrong, from Go's checks or from libtorch's,
// and never takes the process down.
func TestBlocksReportsBadInput(t *testing.T) {
	sh := Shape{Heads: 2, KVHeads: 1, Eps: 1e-5, MatVecMin: 0}
	out, err := Blocks(sh, []Layer{layer()}, pass(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.MustSize(); len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 8 {
		t.Errorf("output shape %v, want [1 3 8]", got)
	}
	for _, c := range []struct {
		name string
		edit func(*Layer, *Pass)
		want string
	}{
		{"no projections", func(l *Layer, _ *Pass) { l.QKV = nil }, "either QKV or all of Q, K and V"},
		{"both gate forms", func(l *Layer, _ *Pass) { l.Gate, l.Up = ones(6, 8), ones(6, 8) }, "either GateUp or both Gate and Up"},
		{"no norm", func(l *Layer, _ *Pass) { l.MLPNorm = nil }, "missing"},
		{"O of the wrong width", func(l *Layer, _ *Pass) { l.O = ones(8, 5) }, "compiled step: "},
		{"a short cache", func(_ *Layer, p *Pass) { p.K, p.V = []*ts.Tensor{ones(1, 1, 2, 4)}, []*ts.Tensor{ones(1, 1, 2, 4)} }, "compiled step: "},
	} {
		l, p := layer(), pass(3)
		c.edit(&l, &p)
		if _, err := Blocks(sh, []Layer{l}, p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// attendRef is attention written with ATen's ops from Go: each query head h reads key/value head
// h / (nH/nKV), and mask is broadcast to the scores [B,nH,T,S].
func attendRef(t *testing.T, q, k, v, mask *ts.Tensor) []float32 {
	t.Helper()
	nH, nKV, hd := q.MustSize()[1], k.MustSize()[1], q.MustSize()[3]
	idx := make([]int64, nH)
	for h := range idx {
		idx[h] = int64(h) / (nH / nKV)
	}
	heads := ts.MustOfSlice(idx)
	kr, vr := k.MustIndexSelect(1, heads, false), v.MustIndexSelect(1, heads, false)
	scores := q.MustMatmul(kr.MustTranspose(2, 3, false), false).MustMulScalar(ts.FloatScalar(1/math.Sqrt(float64(hd))), true)
	if mask != nil {
		scores = scores.MustAdd(mask, true)
	}
	out := scores.MustSoftmax(-1, gotch.Float, true).MustMatmul(vr, true)
	return tensor.Float32s(out)
}

func randn(shape ...int64) *ts.Tensor { return ts.MustRandn(shape, gotch.Float, gotch.CPU) }

// hiddenMask is a [B,1,T,S] mask whose entries are 0 or -1e9 at random.
func hiddenMask(shape ...int64) *ts.Tensor {
	return ts.MustRand(shape, gotch.Float, gotch.CPU).MustGt(ts.FloatScalar(0.7), true).
		MustTotype(gotch.Float, true).MustMulScalar(ts.FloatScalar(-1e9), true)
}

// Under autograd Attend takes attendProducts's ATen ops: the same values for every mask it takes
// otherwise; and with causal, where queries go by blocks against the slots each block may see,
// the same values and gradients as without, past slots, padding and a short last block included.
func TestAttendUnderAutograd(t *testing.T) {
	const B, nH, nKV, hd = 2, 4, 2, 8
	run := func(q, k, v, mask, r *ts.Tensor, causal bool) (out []float32) {
		t.Helper()
		for _, x := range []*ts.Tensor{q, k, v} {
			x.MustRequiresGrad_(true)
			x.ZeroGrad()
		}
		err := tensor.Guard(func() {
			o, err := Attend(q, k, v, mask, causal)
			if err != nil {
				panic(err)
			}
			out = tensor.Float32s(o)
			o.MustMul(r, true).MustSum(gotch.Float, true).MustBackward()
			for _, x := range []*ts.Tensor{q, k, v} {
				out = append(out, tensor.Float32s(x.MustGrad(false))...)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	const T, S = 3, 5
	q, k, v, r := randn(B, nH, T, hd), randn(B, nKV, S, hd), randn(B, nKV, S, hd), randn(B, nH, T, hd)
	for _, c := range []struct {
		name string
		mask *ts.Tensor
	}{{"no mask", nil}, {"[B,1,T,S]", hiddenMask(B, 1, T, S)}, {"[1,1,T,S]", hiddenMask(1, 1, T, S)},
		{"[B,1,1,S]", hiddenMask(B, 1, 1, S)}, {"[T,S]", hiddenMask(T, S)}, {"per head", hiddenMask(B, nH, T, S)},
		{"transposed", hiddenMask(B, 1, S, T).MustTranspose(2, 3, true)}} {
		got, want := run(q, k, v, c.mask, r, false)[:B*nH*T*hd], attendRef(t, q, k, v, c.mask)
		if d := maxDiff(got, want); d > 1e-5 {
			t.Errorf("%s mask: values %.2g from ATen's", c.name, d)
		}
	}
	// 150 queries after 5 past slots: blocks of 64, 64 and 22. The second sequence's first 3 slots
	// are padding (its queries still see a slot each: a query that sees none averages whatever it
	// is given, and is ignored).
	const Tc, past = 150, 5
	Sc := int64(past + Tc)
	causalMask := func(pads ...int64) *ts.Tensor {
		vals := make([]float32, 0, int64(len(pads))*Tc*Sc)
		for _, pad := range pads {
			for t := int64(0); t < Tc; t++ {
				for j := int64(0); j < Sc; j++ {
					hidden := float32(0)
					if j > past+t || j < pad {
						hidden = -1e9
					}
					vals = append(vals, hidden)
				}
			}
		}
		return tensor.FromFloat32s(vals, []int64{int64(len(pads)), 1, Tc, Sc}, gotch.CPU)
	}
	q, k, v, r = randn(B, nH, Tc, hd), randn(B, nKV, Sc, hd), randn(B, nKV, Sc, hd), randn(B, nH, Tc, hd)
	for _, m := range []*ts.Tensor{causalMask(0, 3), causalMask(0)} {
		blocked, whole := run(q, k, v, m, r, true), run(q, k, v, m, r, false)
		if d := maxDiff(blocked, whole); d > 1e-5 {
			t.Errorf("causal mask %v: values and gradients by blocks differ by %.2g", m.MustSize(), d)
		}
	}
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	worst := 0.0
	for i := range a {
		worst = max(worst, math.Abs(float64(a[i]-b[i])))
	}
	return worst
}

// Attend takes whatever ATen's attention takes, on its own kernel or through ATen: masks broadcast
// along any axis of size 1, strided or transposed inputs; what does not fit is an error that says
// so, never a result read past a tensor's end or left unwritten.
func TestAttendChecksItsInputs(t *testing.T) {
	const B, nH, nKV, S, hd = 2, 4, 2, 5, 8
	for _, T := range []int64{1, 3} { // a decode step (attendKernel) and several queries (products)
		attendAgreesWithATen(t, B, nH, nKV, T, S, hd)
	}
	const T = 3
	q, k, v := randn(B, nH, T, hd), randn(B, nKV, S, hd), randn(B, nKV, S, hd)
	for _, c := range []struct {
		name       string
		q, k, v, m *ts.Tensor
		want       string
	}{
		{"a short mask", q, k, v, hiddenMask(B, 1, T, S-1), "does not broadcast to the scores [2, 4, 3, 5]"},
		{"a mask of too many rows", q, k, v, hiddenMask(B, 1, T+1, S), "does not broadcast"},
		{"a mask of another batch", q, k, v, hiddenMask(B+1, 1, T, S), "does not broadcast"},
		{"a mask of five axes", q, k, v, hiddenMask(1, B, 1, T, S), "does not broadcast"},
		{"heads not a multiple", randn(B, 3, T, hd), k, v, nil, "3 query heads are not a multiple of 2 key/value heads"},
		{"other head sizes", randn(B, nH, T, hd/2), k, v, nil, "differ in batch or head size"},
		{"another batch", randn(B+1, nH, T, hd), k, v, hiddenMask(B+1, 1, T, S), "differ in batch or head size"},
		{"k and v differ", q, k, randn(B, nKV, S+1, hd), nil, "differ in shape"},
		{"three axes", randn(nH, T, hd), k, v, nil, "want q [B,nH,T,hd]"},
	} {
		if _, err := Attend(c.q, c.k, c.v, c.m, false); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// attendAgreesWithATen runs Attend on inputs of these sizes, masks broadcast along any axis of
// size 1 and strided or transposed inputs among them, against ATen's attention.
func attendAgreesWithATen(t *testing.T, B, nH, nKV, T, S, hd int64) {
	t.Helper()
	q, k, v := randn(B, nH, T, hd), randn(B, nKV, S, hd), randn(B, nKV, S, hd)
	for _, c := range []struct {
		name    string
		q, k, v *ts.Tensor
		mask    *ts.Tensor
	}{
		{"no mask", q, k, v, nil},
		{"[B,1,T,S] mask", q, k, v, hiddenMask(B, 1, T, S)},
		{"[1,1,T,S] mask", q, k, v, hiddenMask(1, 1, T, S)},
		{"[B,1,1,S] mask", q, k, v, hiddenMask(B, 1, 1, S)},
		{"[T,S] mask", q, k, v, hiddenMask(T, S)},
		{"per-head mask", q, k, v, hiddenMask(B, nH, T, S)},
		{"transposed mask", q, k, v, hiddenMask(B, 1, S, T).MustTranspose(2, 3, true)},
		{"strided q", randn(B, T, nH, hd).MustTranspose(1, 2, true), k, v, nil},
		{"head values not contiguous", q, randn(B, nKV, hd, S).MustTranspose(2, 3, true), randn(B, nKV, hd, S).MustTranspose(2, 3, true), nil},
		{"one key/value head", q, randn(B, 1, S, hd), randn(B, 1, S, hd), hiddenMask(B, 1, T, S)},
	} {
		out, err := Attend(c.q, c.k, c.v, c.mask, false)
		if err != nil {
			t.Errorf("T=%d, %s: %v", T, c.name, err)
			continue
		}
		got, want := tensor.Float32s(out), attendRef(t, c.q, c.k, c.v, c.mask)
		if len(got) != len(want) {
			t.Errorf("T=%d, %s: %d values, want %d", T, c.name, len(got), len(want))
			continue
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5) {
				t.Errorf("T=%d, %s: value %d is %g, ATen's %g", T, c.name, i, got[i], want[i])
				break
			}
		}
	}
}

// onFreshThread runs f on an OS thread that did not exist when it was called, so one that libtorch
// has not seen: every goroutine it starts holds a thread of its own until all have one, and there
// is one more of them than the threads that existed. The threads end with their goroutines.
func onFreshThread(t *testing.T, f func()) {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Skipf("no list of the process's threads: %v", err)
	}
	old := map[int]bool{}
	for _, e := range entries {
		tid, _ := strconv.Atoi(e.Name())
		old[tid] = true
	}
	var once sync.Once
	ran, release := make(chan bool), make(chan struct{})
	for range len(old) + 1 {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			fresh := false
			if !old[syscall.Gettid()] {
				once.Do(func() { f(); fresh = true })
			}
			ran <- fresh
			<-release
		}()
	}
	did := false
	for range len(old) + 1 {
		did = <-ran || did
	}
	close(release)
	if !did {
		t.Fatal("no goroutine ran on a new thread")
	}
}

// On an OS thread new to libtorch, a serial pass runs on one thread and then leaves the thread at
// libtorch's count, not at OpenMP's default for a new thread.
func TestSeriallyOnAFreshThread(t *testing.T) {
	before := lib.AtGetNumThreads()
	defer lib.AtSetNumThreads(before)
	n := runtime.NumCPU() + 1 // unlike OpenMP's default (one per core, or $OMP_NUM_THREADS)
	if v, err := strconv.Atoi(os.Getenv("OMP_NUM_THREADS")); err == nil && v == n {
		n++
	}
	lib.AtSetNumThreads(n)
	var inside, after int
	onFreshThread(t, func() {
		restore := Serially(1, 1)
		inside = lib.AtGetNumThreads()
		restore()
		after = lib.AtGetNumThreads()
	})
	if inside != 1 || after != n {
		t.Errorf("threads %d during the serial pass (want 1) and %d after it (want %d)", inside, after, n)
	}
}

// A nil or freed tensor is an error, before any C++ code could dereference it.
func TestNilTensorsAreErrors(t *testing.T) {
	sh := Shape{Heads: 2, KVHeads: 1, Eps: 1e-5, MatVecMin: 0}
	freed := ones(1, 3, 1, 4)
	freed.MustDrop()
	for _, c := range []struct {
		name string
		edit func(*Layer, *Pass)
		want string
	}{
		{"nil x", func(_ *Layer, p *Pass) { p.X = nil }, "X"},
		{"nil cos", func(_ *Layer, p *Pass) { p.Cos = nil }, "Cos"},
		{"freed sin", func(_ *Layer, p *Pass) { p.Sin = freed }, "Sin"},
		{"freed mask", func(_ *Layer, p *Pass) { p.Mask = freed }, "Mask"},
		{"a nil cache tensor", func(_ *Layer, p *Pass) { p.K, p.V = []*ts.Tensor{ones(1, 1, 4, 4)}, []*ts.Tensor{nil} }, "V[0]"},
		{"a freed weight", func(l *Layer, _ *Pass) { l.Down = freed }, "layer 0's weight 10"},
	} {
		l, p := layer(), pass(3)
		c.edit(&l, &p)
		if _, err := Blocks(sh, []Layer{l}, p); err == nil || !strings.Contains(err.Error(), "no tensor (nil or freed) for "+c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.want)
		}
	}
	q, k := randn(1, 2, 3, 4), randn(1, 1, 3, 4)
	for _, c := range []struct {
		name       string
		q, k, v, m *ts.Tensor
		want       string
	}{
		{"nil q", nil, k, k, nil, "q"},
		{"nil k and v", q, nil, nil, nil, "k, v"},
		{"freed mask", q, k, k, freed, "mask"},
	} {
		if _, err := Attend(c.q, c.k, c.v, c.m, false); err == nil || !strings.Contains(err.Error(), "no tensor (nil or freed) for "+c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.want)
		}
	}
}
