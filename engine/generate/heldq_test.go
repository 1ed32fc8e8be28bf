package generate_test

import (
	"math"
	"testing"

	"colash/engine/generate"
	"colash/model/qnet"
	"colash/model/tensor"
)

// Extensions run their steps without the Q-network, which catches up at their ends in one
// call: every extended branch, alone or batched beside rows that stop early or at other caps,
// has the Q-values of a branch computed from its tokens from scratch, and so has its child (the
// Q-network's cache holds the same text), and the Q-network's positions count as before.
func TestExtendedQValuesAsRecomputed(t *testing.T) {
	m := tinyCoLA(t, testModules)
	m.CodeBook.W.MustMulScalar_(tensor.Scalar(40)) // codes change the world model's argmax
	q, err := qnet.New(m.Backbone(), m.Config.NumCode, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Head.Free()
	q.Head.W.MustMulScalar_(tensor.Scalar(1000)) // Q-values of order 1, not 0.001
	var count generate.Forward
	bs := newBranches(t, m, q, &count, prompt, prompt[:4], prompt[:7])
	lat := sampledCodes
	stop := stopAtFourth(t, bs[1], lat(4)) // ends the second extension at its fourth token
	same := func(what string, got, want []float32) {
		t.Helper()
		scale := 1.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d Q-values, want %d", what, len(got), len(want))
		}
		if d := maxDiff(got, want); d > 1e-4*scale {
			t.Fatalf("%s: Q-values differ from the recomputed ones by %g (scale %g)", what, d, scale)
		}
	}
	check := func(what string, e generate.Extended) {
		t.Helper()
		full, err := generate.NewBranch(m, q, e.Branch.Tokens, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer full.Free()
		same(what, e.Branch.QValues(), full.QValues())
		x, err := e.Branch.Child(5)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Free()
		y, err := full.Child(5)
		if err != nil {
			t.Fatal(err)
		}
		defer y.Free()
		same(what+", its child", x.QValues(), y.QValues())
	}
	before := count
	all, err := generate.ExtendAll([]generate.Extension{{Branch: bs[0], N: 6, Latent: lat(3)},
		{Branch: bs[1], N: 9, Latent: lat(4)}, {Branch: bs[2], N: 12, Latent: lat(5)}}, stop)
	if err != nil {
		t.Fatal(err)
	}
	spent := count.Minus(before)
	if spent.Q != spent.Backbone || spent.Q != 6+4+12 {
		t.Fatalf("three extensions counted %+v, want 22 Q-network positions", spent)
	}
	if len(all[1].Tokens) != 4 {
		t.Fatalf("the second extension wrote %d tokens, want 4 (its stop token)", len(all[1].Tokens))
	}
	for i, e := range all {
		defer e.Branch.Free()
		check("batched extension "+string(rune('0'+i)), e)
	}
	one, toks, codes, err := bs[2].Extend(7, lat(6), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Free()
	check("single extension", generate.Extended{Branch: one, Tokens: toks, Codes: codes})
}
