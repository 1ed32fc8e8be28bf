package tensor

import (
	"runtime"

	"github.com/sugarme/gotch/ts"
)

// libtorch's grad mode (whether ops on tensors that require gradients are recorded for
// backward) belongs to an OS thread, not to a goroutine, and a goroutine that is not locked to
// its thread may run its next op on another one. NoGrad handles that; GradEnabled and
// SetGradEnabled are for callers that hold runtime.LockOSThread themselves (and for tests).

// GradEnabled reports whether grad mode is on for the calling OS thread.
func GradEnabled() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	on := SetGradEnabled(false)
	SetGradEnabled(on)
	return on
}

// SetGradEnabled turns grad mode on or off for the calling OS thread and returns its previous
// state. (gotch v0.9.1's ts.MustGradSetEnabled returned garbage for that state: it read the C int
// through an 8-byte Go int. tools/make-gotch.sh fixes the wrapper.)
func SetGradEnabled(on bool) (prev bool) { return ts.MustGradSetEnabled(on) }

// NoGrad runs fn with grad mode off, then restores the mode it found, also when fn panics, so
// calls nest. The goroutine stays on its OS thread until fn returns; goroutines that fn starts
// run with their own threads' modes.
func NoGrad(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer SetGradEnabled(SetGradEnabled(false))
	fn()
}
