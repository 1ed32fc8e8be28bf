package tensor

import (
	"fmt"
	"strings"
	"sync"

	"github.com/sugarme/gotch/ts"
)

// Guard runs fn and turns a panic from gotch (its Must* calls panic on libtorch errors, such as
// a shape mismatch) into an error, so no panic crosses a package boundary.
func Guard(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			// libtorch appends a C++ backtrace that says nothing to a colash user.
			if i := strings.Index(msg, "\nException raised from"); i >= 0 {
				msg = msg[:i]
			}
			err = fmt.Errorf("tensor op failed: %s", strings.TrimSpace(msg))
		}
	}()
	fn()
	return nil
}

var (
	scalarMu sync.Mutex
	scalars  = map[float64]*ts.Scalar{}
	recent   [4096]*ts.Scalar // fresh scalars stay reachable for a while
	next     int
)

// Scalar returns a libtorch scalar for v. Scalars are immutable and making one costs an
// allocation and a finalizer, so the constants of a forward pass are cached. Values that change
// every step (learning rates, say) fill the cache up to its bound; after that each call makes a
// fresh scalar and keeps it in a ring of the last 4096, so that the garbage collector cannot
// finalize it while the op it was made for still runs (gotch passes the C pointer on and keeps
// no Go reference during the call).
func Scalar(v float64) *ts.Scalar {
	scalarMu.Lock()
	defer scalarMu.Unlock()
	if sc, ok := scalars[v]; ok {
		return sc
	}
	sc := ts.FloatScalar(v)
	if len(scalars) < maxCachedScalars {
		scalars[v] = sc
	} else {
		recent[next] = sc
		next = (next + 1) % len(recent)
	}
	return sc
}

const maxCachedScalars = 1024
