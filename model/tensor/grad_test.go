package tensor

import (
	"runtime"
	"sync"
	"testing"

	"github.com/sugarme/gotch/ts"
)

func TestSetGradEnabledReturnsPreviousState(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig := GradEnabled()
	defer SetGradEnabled(orig)
	// Many round trips: the unpatched wrapper's answer depended on stack garbage.
	was := orig
	for i := range 1000 {
		on := i%3 != 0
		if prev := SetGradEnabled(on); prev != was {
			t.Fatalf("round %d: SetGradEnabled(%v) reports previous state %v, want %v", i, on, prev, was)
		}
		if got := GradEnabled(); got != on {
			t.Fatalf("round %d: GradEnabled() = %v after SetGradEnabled(%v)", i, got, on)
		}
		was = on
	}
}

func TestNoGradNestsAndRestores(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer SetGradEnabled(SetGradEnabled(true))

	NoGrad(func() {
		if GradEnabled() {
			t.Error("grad mode on inside NoGrad")
		}
		NoGrad(func() {})
		if GradEnabled() {
			t.Error("inner NoGrad turned grad mode back on inside the outer one")
		}
	})
	if !GradEnabled() {
		t.Error("grad mode still off after NoGrad")
	}

	// NoGrad restores what it found, not "on".
	SetGradEnabled(false)
	NoGrad(func() {})
	if GradEnabled() {
		t.Error("NoGrad turned grad mode on although it was off before")
	}
	SetGradEnabled(true)

	// gotch's own ts.NoGrad, as tools/make-gotch.sh patches it, does the same.
	SetGradEnabled(false)
	ts.NoGrad(func() {})
	if GradEnabled() {
		t.Error("ts.NoGrad turned grad mode on although it was off before")
	}
	SetGradEnabled(true)
	ts.NoGrad(func() {})
	if !GradEnabled() {
		t.Error("grad mode still off after ts.NoGrad")
	}
}

func TestNoGradRestoresAfterPanic(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer SetGradEnabled(SetGradEnabled(true))
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic from fn", r)
			}
		}()
		NoGrad(func() { panic("boom") })
	}()
	if !GradEnabled() {
		t.Error("grad mode still off after fn panicked inside NoGrad")
	}
}

// TestNoGradStopsRecording checks the effect on tensors, from several goroutines at once: an op
// on a tensor that requires gradients gives a result that requires them too, except inside
// NoGrad. Grad mode is per OS thread, so this also checks that the goroutine inside NoGrad
// stays on the thread whose mode it changed, and that the others are not affected.
func TestNoGradStopsRecording(t *testing.T) {
	x := ts.MustOfSlice([]float32{1, 2, 3}).MustSetRequiresGrad(true, true)
	defer x.MustDrop()
	double := func() bool {
		y := x.MustMulScalar(Scalar(2), false)
		defer y.MustDrop()
		runtime.Gosched() // invite a move to another thread between the op and the check
		return y.MustRequiresGrad()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				if (g+i)%2 == 0 {
					if !double() {
						errs <- "result of an op outside NoGrad does not require grad"
						return
					}
					continue
				}
				var req bool
				NoGrad(func() { runtime.Gosched(); req = double() })
				if req {
					errs <- "result of an op inside NoGrad requires grad"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
