package bench

import (
	"context"
	"testing"
)

func TestCoLADecodeReportsItsFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes for several seconds")
	}
	res, err := CoLADecode(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 6 {
		t.Fatalf("%d results, want 6", len(res))
	}
	for _, r := range res {
		t.Logf("%-45s %8.4g %-5s %s", r.Name, r.Value, r.Unit, r.Note)
		if !(r.Value > 0) {
			t.Errorf("%s: %g", r.Name, r.Value)
		}
	}
}
