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
