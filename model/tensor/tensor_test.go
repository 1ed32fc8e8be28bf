package tensor

import (
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestSetThreads(t *testing.T) {
	defer SetThreads(0)
	SetThreads(1)
	if got := Threads(); got != 1 {
		t.Errorf("SetThreads(1): libtorch uses %d threads", got)
	}
	SetThreads(0)
	if got := Threads(); got != runtime.NumCPU() {
		t.Errorf("SetThreads(0): libtorch uses %d threads, want one per core (%d)", got, runtime.NumCPU())
	}
}

func TestParseDeviceAndDType(t *testing.T) {
	if d, err := ParseDevice("cpu"); err != nil || d != gotch.CPU {
		t.Errorf("cpu: %v %v", d, err)
	}
	if d, err := ParseDevice("auto"); err != nil || (d != gotch.CPU && !gotch.CUDA.IsAvailable()) {
		t.Errorf("auto: %v %v", d, err)
	}
	if _, err := ParseDevice("tpu"); err == nil || !strings.Contains(err.Error(), "cpu, cuda") {
		t.Errorf("tpu: %v", err)
	}
	if !gotch.CUDA.IsAvailable() {
		if _, err := ParseDevice("cuda:0"); err == nil || !strings.Contains(err.Error(), "not available") {
			t.Errorf("cuda without CUDA: %v", err)
		}
	}
	for in, want := range map[string]gotch.DType{"f32": gotch.Float, "bf16": gotch.BFloat16, "float16": gotch.Half} {
		if got, err := ParseDType(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	if _, err := ParseDType("int8"); err == nil {
		t.Error("int8 accepted")
	}
}

func TestScopeFreesAndKeeps(t *testing.T) {
	before := len(ts.ExistingTensors)
	s := &Scope{}
	x := s.T(FromFloat32s([]float32{1, 2, 3, 4}, []int64{2, 2}, gotch.CPU))
	y := s.Keep(s.T(x.MustMatmul(x, false)))
	s.Close()
	if got := len(ts.ExistingTensors); got != before+1 {
		t.Errorf("after Close: %d live tensors, want %d (the kept one)", got, before+1)
	}
	if v := Float32s(y); v[0] != 7 || v[3] != 22 {
		t.Errorf("kept tensor holds %v", v)
	}
	y.MustDrop()
}

func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	err := Guard(func() {
		a := FromFloat32s([]float32{1, 2, 3}, []int64{3}, gotch.CPU)
		b := FromFloat32s([]float32{1, 2}, []int64{2}, gotch.CPU)
		defer Drop(a, b)
		a.MustAdd(b, false)
	})
	if err == nil || !strings.Contains(err.Error(), "tensor op failed") {
		t.Errorf("shape mismatch gave %v", err)
	}
}
