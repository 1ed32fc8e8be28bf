package mapped

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// writeFloats writes a file of a 16-byte prefix and then vals as little-endian float32.
func writeFloats(t *testing.T, vals []float32) (string, int64) {
	t.Helper()
	b := make([]byte, 16+4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[16+4*i:], math.Float32bits(v))
	}
	p := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, int64(len(b))
}

func TestTensorReadsTheFile(t *testing.T) {
	p, size := writeFloats(t, []float32{1, 2, 3, 4, 5, 6})
	f, err := Open(p, size)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, err := f.Tensor(16+4, []int64{2, 2}, gotch.Float)
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	got := x.MustSum(gotch.Float, false)
	defer got.MustDrop()
	if v := got.Float64Values()[0]; v != 2+3+4+5 {
		t.Fatalf("sum of elements 1..4 = %v, want 14", v)
	}
	if sz := x.MustSize(); len(sz) != 2 || sz[0] != 2 || sz[1] != 2 {
		t.Fatalf("shape %v", sz)
	}
}

// A write to a mapped tensor stays in this process: the file is unchanged.
func TestWritesDoNotReachTheFile(t *testing.T) {
	p, size := writeFloats(t, []float32{1, 2})
	before, _ := os.ReadFile(p)
	f, err := Open(p, size)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, err := f.Tensor(16, []int64{2}, gotch.Float)
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	x.MustFill_(ts.FloatScalar(7))
	if v := x.Float64Values(); v[0] != 7 {
		t.Fatalf("after the write the tensor reads %v", v)
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Fatal("a write to the mapped tensor changed the file")
	}
}

// The mapping lives while a tensor over it does, and goes with the last one.
func TestMappingOutlivesCloseUntilTheLastTensor(t *testing.T) {
	p, size := writeFloats(t, []float32{1, 2, 3})
	base := Live()
	f, err := Open(p, size)
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.Tensor(16, []int64{3}, gotch.Float)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if Live() != base+1 {
		t.Fatalf("%d mappings after Close with a tensor alive, want %d", Live(), base+1)
	}
	if v := x.Float64Values(); v[2] != 3 {
		t.Fatalf("tensor after Close reads %v", v)
	}
	x.MustDrop()
	runtime.GC()
	if Live() != base {
		t.Fatalf("%d mappings after the last tensor was freed, want %d", Live(), base)
	}
}

func TestBadInputIsAnError(t *testing.T) {
	p, size := writeFloats(t, []float32{1, 2, 3})
	if _, err := Open(p, size+4); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("a file of another size: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), 8); err == nil {
		t.Fatal("a missing file opened")
	}
	f, err := Open(p, size)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Tensor(16, []int64{4}, gotch.Float); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("a tensor past the end: %v", err)
	}
	if _, err := f.Tensor(18, []int64{1}, gotch.Float); err == nil || !strings.Contains(err.Error(), "multiple") {
		t.Fatalf("a misaligned tensor: %v", err)
	}
}
