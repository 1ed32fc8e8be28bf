package compiled

import (
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
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
