package tensor

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sugarme/gotch/ts"
)

// Error is a libtorch failure: the op that raised it and libtorch's own message, without the
// C++ and Go backtraces gotch appends. Err is the error gotch returned.
type Error struct {
	Op, Msg string
	Err     error
}

func (e *Error) Error() string {
	if e.Op == "" {
		return "libtorch: " + e.Msg
	}
	return "libtorch " + e.Op + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Guard runs fn and turns a panic from gotch (its Must* calls panic on libtorch errors, such as
// a shape mismatch) into an error, so no panic crosses a package boundary. A libtorch failure
// becomes an *Error naming the op; an error panicked on purpose (a nested Guard's, or a forward
// function's) comes back as it was, so that context added by callers with %w is kept once.
func Guard(fn func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		e, ok := r.(error)
		switch {
		case !ok:
			err = fmt.Errorf("internal error: %v", r)
		case errors.As(e, new(*Error)):
			err = e
		default:
			err = describe(e)
		}
	}()
	fn()
	return nil
}

// describe turns gotch's "Op() failed: Libtorch API Error: msg\n<backtraces>" into an *Error;
// any other error is returned as it is.
func describe(e error) error {
	msg := e.Error()
	op, rest, ok := strings.Cut(msg, "() failed: ")
	if !ok || strings.ContainsAny(op, " \n") {
		op, rest = "", msg
	}
	rest, isTorch := strings.CutPrefix(rest, "Libtorch API Error: ")
	if !isTorch && op == "" {
		return e
	}
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return &Error{Op: op, Msg: strings.TrimSpace(rest), Err: e}
}

var (
	scalarMu sync.Mutex
	scalars  = map[float64]*ts.Scalar{}
)

// Scalar returns a libtorch scalar for v. Scalars are immutable and making one costs an
// allocation and a finalizer, so the constants of a forward pass are cached. Values that change
// every step (learning rates, say) would fill the cache, so past its bound each call makes a
// fresh scalar; the op it is passed to keeps it alive while libtorch reads it (tools/make-gotch.sh
// adds the keep-alives to gotch's wrappers).
func Scalar(v float64) *ts.Scalar {
	scalarMu.Lock()
	defer scalarMu.Unlock()
	if sc, ok := scalars[v]; ok {
		return sc
	}
	sc := ts.FloatScalar(v)
	if len(scalars) < maxCachedScalars {
		scalars[v] = sc
	}
	return sc
}

const maxCachedScalars = 1024
