package tensor

import (
	"errors"
	"fmt"
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
	mismatch := func() {
		a := FromFloat32s([]float32{1, 2, 3}, []int64{3}, gotch.CPU)
		b := FromFloat32s([]float32{1, 2}, []int64{2}, gotch.CPU)
		defer Drop(a, b)
		a.MustAdd(b, false)
	}
	err := Guard(mismatch)
	var te *Error
	if !errors.As(err, &te) || te.Op != "Add" || !strings.Contains(te.Msg, "size of tensor a (3) must match the size of tensor b (2)") {
		t.Fatalf("shape mismatch gave %#v", err)
	}
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "Exception raised") || strings.Contains(err.Error(), "goroutine") {
		t.Errorf("message carries backtraces: %q", err)
	}
	// Nested guards and callers' context: the libtorch error is described once and stays
	// reachable with errors.As through %w wrapping.
	err = Guard(func() {
		if err := Guard(mismatch); err != nil {
			panic(fmt.Errorf("step 3: %w", err))
		}
	})
	if !errors.As(err, &te) || strings.Count(err.Error(), "libtorch") != 1 || !strings.HasPrefix(err.Error(), "step 3: libtorch Add: ") {
		t.Errorf("nested: %q", err)
	}
	// A plain error panicked on purpose comes back as it was.
	sentinel := errors.New("bad input")
	if err := Guard(func() { panic(sentinel) }); err != sentinel {
		t.Errorf("plain error: %v", err)
	}
}

// Under a launcher, a process's "cuda" is its local rank's GPU; cpu and an explicit index stay.
func TestOnLocalRank(t *testing.T) {
	auto := "auto"
	if gotch.CUDA.IsAvailable() {
		auto = "cuda:3"
	}
	for in, want := range map[string]string{"cuda": "cuda:3", "GPU": "cuda:3", "cpu": "cpu", "cuda:1": "cuda:1", "auto": auto} {
		if got := OnLocalRank(in, 3); got != want {
			t.Errorf("%q on local rank 3: %q, want %q", in, got, want)
		}
	}
}
