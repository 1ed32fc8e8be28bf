package head

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/safetensors"
	"colash/model/tensor"
)

func newHead(t *testing.T, c Config, seed uint64) *Head {
	t.Helper()
	h, err := New(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Free)
	return h
}

func cfg(out int, bias bool) Config {
	return Config{Name: "h", In: 5, Out: out, Bias: bias, Std: 0.5, Stream: 9, Device: gotch.CPU, DType: gotch.Float}
}

// setBias gives the bias distinct non-zero values, so that tests see it.
func setBias(t *testing.T, h *Head) {
	t.Helper()
	n := h.B.MustSize()[0]
	v := make([]float32, n)
	for i := range v {
		v[i] = 0.25 * float32(i+1)
	}
	if err := tensor.Guard(func() {
		b := tensor.FromFloat32s(v, []int64{n}, gotch.CPU)
		defer b.MustDrop()
		h.B.Copy_(b)
	}); err != nil {
		t.Fatal(err)
	}
}

// New draws W row-major from PCG(seed, stream) times std; the bias starts at 0; std 0 is zeros.
func TestNewDrawsFromSeedAndStream(t *testing.T) {
	h := newHead(t, cfg(3, true), 4)
	r := rand.New(rand.NewPCG(4, 9))
	for i, w := range tensor.Float32s(h.W) {
		if want := float32(r.NormFloat64() * 0.5); w != want {
			t.Fatalf("W[%d] = %v, want %v", i, w, want)
		}
	}
	if got := h.W.MustSize(); got[0] != 3 || got[1] != 5 {
		t.Fatalf("W is %v, want [3 5]", got)
	}
	if b := tensor.Float32s(h.B); len(b) != 3 || b[0] != 0 || b[2] != 0 {
		t.Fatalf("bias %v, want 3 zeros", b)
	}
	other := newHead(t, cfg(3, true), 5)
	if tensor.Float32s(other.W)[0] == tensor.Float32s(h.W)[0] {
		t.Fatal("seeds 4 and 5 drew the same first weight")
	}
	c := cfg(2, false)
	c.Std = 0
	z := newHead(t, c, 4)
	if z.B != nil || tensor.Float32s(z.W)[7] != 0 || len(z.Params()) != 1 {
		t.Fatalf("std 0 without bias: W %v, bias %v", tensor.Float32s(z.W), z.B)
	}
	if _, err := New(Config{Name: "h", In: 0, Out: 1}, 1); err == nil {
		t.Fatal("a head of width 0 was made")
	}
}

// Forward is sum_i x_i W[n,i] + b[n] at every position, whatever leading axes x has and
// whatever its dtype (it is cast to the head's).
func TestForwardByHand(t *testing.T) {
	for _, bias := range []bool{true, false} {
		h := newHead(t, cfg(3, bias), 1)
		if bias {
			setBias(t, h)
		}
		x := make([]float32, 2*4*5) // [2,4,5]; the one-row case is below
		for i := range x {
			x[i] = float32(math.Sin(float64(i)))
		}
		for _, shape := range [][]int64{{2, 4, 5}, {1, 5}} {
			n := int(shape[0])
			if len(shape) == 3 {
				n *= int(shape[1])
			}
			for _, dt := range []gotch.DType{gotch.Float, gotch.Double} {
				var got []float32
				err := tensor.Guard(func() {
					xt := tensor.FromFloat32s(x[:n*5], shape, gotch.CPU)
					if dt != gotch.Float {
						xt = xt.MustTotype(dt, true)
					}
					defer xt.MustDrop()
					y := h.Forward(xt)
					defer y.MustDrop()
					if sz := y.MustSize(); sz[len(sz)-1] != 3 || len(sz) != len(shape) || y.DType() != gotch.Float {
						t.Fatalf("output %v %v from input %v", sz, y.DType(), shape)
					}
					got = tensor.Float32s(y)
				})
				if err != nil {
					t.Fatal(err)
				}
				w := tensor.Float32s(h.W)
				var b []float32
				if bias {
					b = tensor.Float32s(h.B)
				}
				for r := 0; r < n; r++ {
					for o := 0; o < 3; o++ {
						want := 0.0
						for i := 0; i < 5; i++ {
							want += float64(x[r*5+i]) * float64(w[o*5+i])
						}
						if bias {
							want += float64(b[o])
						}
						if d := math.Abs(float64(got[r*3+o]) - want); d > 1e-5 {
							t.Fatalf("bias %v input %v row %d output %d: %v, by hand %v", bias, shape, r, o, got[r*3+o], want)
						}
					}
				}
			}
		}
	}
}

// Save then Load into a head of other values gives back the saved values exactly, under the
// names Name.weight and Name.bias, in the head's dtype.
func TestSaveLoadRoundTrip(t *testing.T) {
	for _, bias := range []bool{true, false} {
		a := newHead(t, cfg(3, bias), 1)
		if bias {
			setBias(t, a)
		}
		path := filepath.Join(t.TempDir(), "head.safetensors")
		if err := a.Save(path); err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		names := strings.Join(f.Names(), " ")
		f.Close()
		if want := map[bool]string{true: "h.bias h.weight", false: "h.weight"}[bias]; names != want {
			t.Fatalf("file holds %q, want %q", names, want)
		}
		c := cfg(3, bias)
		c.DType = gotch.Double
		b := newHead(t, c, 2)
		if err := b.Load(path); err != nil {
			t.Fatal(err)
		}
		if b.W.DType() != gotch.Double {
			t.Fatalf("loaded head is %v", b.W.DType())
		}
		pa, pb := a.Params(), b.Params()
		for k := range pa {
			saved, loaded := tensor.Float32s(*pa[k].Ptr), tensor.Float32s(*pb[k].Ptr)
			for i := range saved {
				if saved[i] != loaded[i] {
					t.Fatalf("%s[%d]: saved %v, loaded %v", pa[k].Name, i, saved[i], loaded[i])
				}
			}
		}
	}
}

// Load refuses a file of another shape, without the head's tensors, or with a bias the head
// lacks.
func TestLoadRefusesOtherHeads(t *testing.T) {
	dir := t.TempDir()
	save := func(c Config) string {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d-%v", c.Name, c.Out, c.Bias))
		if err := newHead(t, c, 1).Save(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	h := newHead(t, cfg(3, false), 1)
	other := cfg(2, false)
	renamed := cfg(3, false)
	renamed.Name = "g"
	for _, c := range []struct {
		path, want string
	}{{save(other), "[2 5]"}, {save(renamed), "no tensor"}, {save(cfg(3, true)), "no bias"}} {
		if err := h.Load(c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.path, err, c.want)
		}
	}
}
