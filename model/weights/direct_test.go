package weights_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/weights"
)

// direct is a Direct source over a Mem that counts how tensors are read.
type direct struct {
	*weights.Mem
	reads, into int
	dsts        []*byte // where ReadInto wrote
}

func (d *direct) Read(name string) ([]byte, string, error) {
	d.reads++
	return d.Mem.Read(name)
}

func (d *direct) StoredDType(name string) (string, bool) {
	_, ok := d.Shape(name)
	return "F32", ok
}

func (d *direct) ReadInto(name string, dst []byte) error {
	d.into++
	d.dsts = append(d.dsts, &dst[0])
	b, _, _ := d.Mem.Read(name)
	copy(dst, b)
	return nil
}

type pair struct {
	A nn.Linear `st:"a.weight" shape:"n,d"`
	B nn.Linear `st:"b.weight" shape:"n,d"`
}

// A Direct source is read straight into the weights' storage, preallocated rows of one matrix
// included, and never through a Go buffer.
func TestDirectSourceFillsPreallocatedRows(t *testing.T) {
	src := &direct{Mem: weights.NewMem()}
	src.Put("a.weight", []float32{1, 2, 3, 4}, 2, 2)
	src.Put("b.weight", []float32{5, 6, 7, 8}, 2, 2)
	both := ts.MustEmpty([]int64{4, 2}, gotch.Float, gotch.CPU)
	defer both.MustDrop()
	m := &pair{}
	m.A.W, m.B.W = both.MustNarrow(0, 0, 2, false), both.MustNarrow(0, 2, 2, false)
	if err := weights.Load(m, src, weights.Dims{"n": 2, "d": 2}, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(m)
	if got := tensor.Float32s(both); !slices.Equal(got, []float32{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("fused storage holds %v", got)
	}
	if src.reads != 0 || src.into != 2 {
		t.Errorf("%d reads through Go buffers, %d direct: want 0 and 2", src.reads, src.into)
	}
	storage := weights.Bytes(both)
	if len(src.dsts) != 2 || src.dsts[0] != &storage[0] || src.dsts[1] != &storage[16] {
		t.Errorf("ReadInto wrote at %v, not into the fused storage at %p", src.dsts, &storage[0])
	}

	// A bf16 destination is filled through a cast; a misshapen one is refused by name.
	m2 := &pair{}
	m2.A.W = ts.MustEmpty([]int64{2, 2}, gotch.BFloat16, gotch.CPU)
	if err := weights.Load(m2, src, weights.Dims{"n": 2, "d": 2}, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	if m2.A.W.DType() != gotch.BFloat16 || !slices.Equal(tensor.Float32s(m2.A.W), []float32{1, 2, 3, 4}) {
		t.Errorf("bf16 destination: %v %v", m2.A.W.DType(), tensor.Float32s(m2.A.W))
	}
	weights.Free(m2)
	m3 := &pair{}
	m3.B.W = ts.MustEmpty([]int64{3, 2}, gotch.Float, gotch.CPU)
	err := weights.Load(m3, src, weights.Dims{"n": 2, "d": 2}, gotch.CPU, gotch.Float)
	if err == nil || !strings.Contains(err.Error(), "b.weight: preallocated as [3 2], model expects [2 2]") {
		t.Errorf("misshapen destination: %v", err)
	}
}
