package bench

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/sugarme/gotch/ts"
)

// TestOpsPerToken reports how many tensors one decode step creates (a proxy for libtorch ops,
// which bound a tiny model's speed) and guards against regressions.
func TestOpsPerToken(t *testing.T) {
	l := loadShipped(t)
	measure := func(n int) int64 {
		before := atomic.LoadInt64(&ts.TensorCount)
		if _, err := DecodeTokensPerSecond(context.Background(), l, 1, n, false); err != nil {
			t.Fatal(err)
		}
		return atomic.LoadInt64(&ts.TensorCount) - before
	}
	perToken := (measure(65) - measure(1)) / 64
	layers := int64(l.Llama.Config.Layers)
	t.Logf("%d tensors per decoded token (%d layers)", perToken, layers)
	if perToken > 60*layers+40 {
		t.Errorf("%d tensors per token: the decode step has grown", perToken)
	}
}
