package bench

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
)

// PerToken counts what one batch-1 decode step of l costs in tensors created (a proxy for
// libtorch ops) and in cgo calls, from the difference between decoding 65 tokens and 1.
func PerToken(ctx context.Context, l *checkpoint.Model) (tensors, cgoCalls int64, err error) {
	measure := func(n int) (int64, int64, error) {
		t0, c0 := atomic.LoadInt64(&ts.TensorCount), runtime.NumCgoCall()
		_, err := DecodeTokensPerSecond(ctx, l, 1, n, false)
		return atomic.LoadInt64(&ts.TensorCount) - t0, runtime.NumCgoCall() - c0, err
	}
	t1, c1, err := measure(1)
	if err != nil {
		return 0, 0, err
	}
	t65, c65, err := measure(65)
	return (t65 - t1) / 64, (c65 - c1) / 64, err
}
