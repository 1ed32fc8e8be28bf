package weights_test

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
	"colash/model/weights"
)

type initBlock struct {
	Norm *ts.Tensor `st:"norm.weight" shape:"d" init:"ones"`
	W    *ts.Tensor `st:"w.weight" shape:"ff,d"`
	Out  *ts.Tensor `st:"out.weight" shape:"d,ff" init:"out"`
}

type initModel struct {
	Blocks []*initBlock `st:"blocks"`
}

func newInitModel(n int) *initModel {
	m := &initModel{}
	for i := 0; i < n; i++ {
		m.Blocks = append(m.Blocks, &initBlock{})
	}
	return m
}

func stats(v []float32) (mean, std float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

func TestInitScalesAndSeeds(t *testing.T) {
	dims := weights.Dims{"d": 256, "ff": 512, "layers": 4}
	m := newInitModel(2)
	if err := weights.Init(m, dims, 42, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(m)
	for _, x := range tensor.Float32s(m.Blocks[0].Norm) {
		if x != 1 {
			t.Fatalf("norm weight %g, want 1", x)
		}
	}
	for _, c := range []struct {
		name string
		t    *ts.Tensor
		std  float64
	}{{"normal", m.Blocks[1].W, math.Sqrt(2.0 / (5 * 256))}, {"out", m.Blocks[1].Out, 1 / math.Sqrt(256) / 4}} {
		mean, std := stats(tensor.Float32s(c.t))
		if math.Abs(mean) > 3*c.std/math.Sqrt(256*512) || math.Abs(std/c.std-1) > 0.02 {
			t.Errorf("%s: mean %g std %g, want 0 and %g", c.name, mean, std, c.std)
		}
	}
	// Deterministic for a seed, per tensor name: a model with more blocks has the same block 0.
	a := tensor.Float32s(m.Blocks[0].W)
	m3 := newInitModel(3)
	if err := weights.Init(m3, dims, 42, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(m3)
	b := tensor.Float32s(m3.Blocks[0].W)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed and name gave different values")
		}
	}
	if c := tensor.Float32s(m3.Blocks[1].W); c[0] == a[0] && c[1] == a[1] {
		t.Error("two tensors share values")
	}
	m4 := newInitModel(1)
	if err := weights.Init(m4, dims, 43, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(m4)
	if c := tensor.Float32s(m4.Blocks[0].W); c[0] == a[0] {
		t.Error("another seed gave the same values")
	}
	// Undefined dims are an error that leaves nothing allocated.
	bad := newInitModel(1)
	if err := weights.Init(bad, weights.Dims{"d": 4}, 1, gotch.CPU, gotch.Float); err == nil || bad.Blocks[0].Norm != nil {
		t.Errorf("missing dim ff: err %v", err)
	}
}
