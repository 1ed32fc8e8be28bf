package dist

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch"
)

// sums: every rank's statistics, (r+1)·a for a few a, come back as their sums over ranks, in
// place, rounded to float32 as they travel.
func sums(g *Group) error {
	n, r := g.Size(), g.Rank()
	base := []float64{1, 0.1, -2.5, 1e6}
	xs := make([]float64, len(base))
	ps := make([]*float64, len(base))
	for i, a := range base {
		xs[i], ps[i] = float64(r+1)*a, &xs[i]
	}
	if err := g.SumFloat64s(gotch.CPU, ps...); err != nil {
		return err
	}
	for i, a := range base {
		want := float64(n*(n+1)/2) * a
		if math.Abs(xs[i]-want) > 1e-6*math.Max(1, math.Abs(want)) {
			return fmt.Errorf("sum of statistic %d: %v, want %v", i, xs[i], want)
		}
	}
	return nil
}

func TestSumFloat64s(t *testing.T) {
	t.Parallel()
	for r, res := range spawn(t, "sums", 3, 30*time.Second) {
		if res.Err != nil || !strings.Contains(res.Stdout, "ok") {
			t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
		}
	}
	// One process: the numbers stay as they are, unrounded.
	x := 0.1
	for _, g := range []*Group{nil, Single()} {
		if err := g.SumFloat64s(gotch.CPU, &x); err != nil || x != 0.1 {
			t.Errorf("group %v: %v, %v; want 0.1 untouched", g, x, err)
		}
	}
}

// TestCheckSplit: a batch with a row for every rank splits (unevenly is fine); a smaller one is
// refused in the one message form; one process takes any batch.
func TestCheckSplit(t *testing.T) {
	four := &Group{env: Env{Rank: 1, Size: 4}}
	for _, n := range []int{4, 5, 7, 100} {
		if err := four.CheckSplit("rm: a batch", n, "pairs"); err != nil {
			t.Errorf("%d rows over 4: %v", n, err)
		}
	}
	err := four.CheckSplit("rm: a batch", 3, "pairs")
	if want := "rm: a batch of 3 pairs does not split over 4 processes"; err == nil || err.Error() != want {
		t.Errorf("3 rows over 4: %v, want %q", err, want)
	}
	var none *Group
	for _, g := range []*Group{none, Single()} {
		if err := g.CheckSplit("rm: a batch", 0, "pairs"); err != nil {
			t.Errorf("one process, no rows: %v", err)
		}
	}
}
