package bench

import (
	"context"
	"testing"
)

// TestOpsPerToken reports how many tensors and cgo calls one decode step makes (libtorch ops
// bound a tiny model's speed) and guards against regressions: the blocks run as one compiled
// call, so the count does not grow with the layers (265 per token when each op crossed cgo).
func TestOpsPerToken(t *testing.T) {
	l := loadShipped(t)
	tensors, calls, err := PerToken(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	layers := int64(l.Llama.Config.Layers)
	t.Logf("%d tensors and %d cgo calls per decoded token (%d layers)", tensors, calls, layers)
	if tensors > 40 {
		t.Errorf("%d tensors per token: the decode step has grown", tensors)
	}
}
