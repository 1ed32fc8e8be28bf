package search

import (
	"math"
	"testing"
)

func TestSignTestIsTheExactBinomialTail(t *testing.T) {
	for _, c := range []struct {
		k, m int
		p    float64
	}{
		{10, 0, 2.0 / 1024},     // every discordant pair one way
		{0, 10, 2.0 / 1024},     // symmetric
		{7, 2, 2 * 46.0 / 512},  // P(X <= 2 | n 9) = (1 + 9 + 36) / 512
		{3, 3, 1},               // an even split
		{0, 0, 1},               // no discordant pair
		{60, 40, 0.05688793364}, // 2 * sum of C(100, i) / 2^100 for i <= 40
	} {
		if got := SignTest(c.k, c.m); math.Abs(got-c.p) > 1e-9 {
			t.Errorf("SignTest(%d, %d) = %.10g, want %.10g", c.k, c.m, got, c.p)
		}
	}
}

func TestComparePairsProblemsByIndex(t *testing.T) {
	rec := func(problem int, ok bool) Record { return Record{Problem: problem, Success: ok} }
	a := &Results{Method: "mcts-q", Task: "cd4-test", Records: []Record{rec(0, true), rec(1, true), rec(2, false), rec(3, true), rec(4, false)}}
	// b in another order and with a problem a did not run: pairs follow the index.
	b := &Results{Method: "best-of-n", Task: "cd4-test", Records: []Record{rec(4, false), rec(3, false), rec(2, true), rec(1, true), rec(0, false), rec(9, true)}}
	p, err := Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if p.N != 5 || p.Both != 1 || p.OnlyA != 2 || p.OnlyB != 1 || p.Neither != 1 || math.Abs(p.Diff-0.2) > 1e-12 || p.P != SignTest(2, 1) {
		t.Fatalf("paired: %+v", p)
	}
	if _, err := Compare(a, &Results{Method: "greedy", Task: "cd3-test", Records: b.Records}); err == nil {
		t.Fatal("results of two tasks compared")
	}
	if _, err := Compare(a, &Results{Method: "greedy", Task: "cd4-test", Records: []Record{rec(0, true), rec(0, false)}}); err == nil {
		t.Fatal("a problem twice was accepted")
	}
}
