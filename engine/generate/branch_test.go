package generate_test

import (
	"slices"
	"testing"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/tensor"
)

// A child forked from a branch's caches has the policy of the same text computed from scratch,
// and costs one position of backbone and policy.
func TestBranchForkEqualsRecompute(t *testing.T) {
	m := tinyCoLA(t, testModules)
	var count generate.Forward
	b, err := generate.NewBranch(m, nil, prompt, &count)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	if count.Backbone != int64(len(prompt)) || count.Policy != int64(len(prompt)) || count.World != 0 {
		t.Fatalf("prefill counted %+v", count)
	}
	tok, err := b.Next(3)
	if err != nil {
		t.Fatal(err)
	}
	if want := generate.Argmax(wmLogits(t, m, prompt, 3)); tok != want {
		t.Fatalf("Next(3) = %d, want the world model's argmax %d", tok, want)
	}
	c, err := b.Child(tok)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	if count.Backbone != int64(len(prompt))+1 || count.World != 1 {
		t.Fatalf("after Next and Child counted %+v", count)
	}
	full, err := generate.NewBranch(m, nil, append(slices.Clone(prompt), tok), &count)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Free()
	if d := maxDiff(c.Policy(), full.Policy()); d > 1e-4 {
		t.Fatalf("forked policy differs from the recomputed one by %g", d)
	}
	// The parent is untouched by its child.
	again, _ := b.Next(3)
	if again != tok {
		t.Fatalf("the parent changed after forking: %d then %d", tok, again)
	}
}

// Rollouts from stacked branches of different lengths give each branch's own continuation:
// greedy, the tokens of a plain greedy CoLA session; sampled, the same stream as alone.
func TestBranchRolloutStacked(t *testing.T) {
	m := tinyCoLA(t, testModules)
	var count generate.Forward
	short := prompt[:4]
	b1, _ := generate.NewBranch(m, nil, prompt, &count)
	b2, _ := generate.NewBranch(m, nil, short, &count)
	defer b1.Free()
	defer b2.Free()
	outs, err := generate.Rollout([]*generate.Branch{b1, b2}, 12, generate.Sampling{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range [][]int{prompt, short} {
		sess := generate.NewCoLASession(m, 64, generate.Sampling{})
		want := colaGen(t, sess, [][]int{p}, 12)[0]
		sess.Close()
		if !slices.Equal(outs[i], want) {
			t.Fatalf("stacked greedy rollout %d = %v, want %v", i, outs[i], want)
		}
	}
	lat := generate.Sampling{Temperature: 1, TopK: 8, Seed: 5}
	pair, _ := generate.Rollout([]*generate.Branch{b2, b1}, 10, lat, nil)
	alone, _ := generate.Rollout([]*generate.Branch{b2}, 10, lat, nil)
	ext, toks, codes, err := b2.Extend(10, lat, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Free()
	if !slices.Equal(pair[0], alone[0]) || !slices.Equal(toks, alone[0]) || len(codes) != 10 {
		t.Fatalf("sampled rollout: stacked %v, alone %v, extended %v", pair[0], alone[0], toks)
	}
	full, _ := generate.NewBranch(m, nil, ext.Tokens, &count)
	defer full.Free()
	if d := maxDiff(ext.Policy(), full.Policy()); d > 1e-4 {
		t.Fatalf("extended branch's policy differs from the recomputed one by %g", d)
	}
}

// A CoLASession (a padded batch of two prompts) and a Branch per prompt, given the same codes,
// walk the same text: the same policy logits before each code and the same world-model token
// after it, so generation and search decode alike.
func TestCoLASessionAndBranchAgree(t *testing.T) {
	m := tinyCoLA(t, testModules)
	m.CodeBook.W.MustMulScalar_(tensor.Scalar(40)) // codes change the world model's argmax
	prompts := [][]int{prompt, prompt[:4]}
	codes := [][]int{{3, 9, 0, 15, 7, 7, 12, 1}, {14, 2, 2, 5, 11, 0, 8, 6}}
	var count generate.Forward
	branches := make([]*generate.Branch, len(prompts))
	for i, p := range prompts {
		b, err := generate.NewBranch(m, nil, p, &count)
		if err != nil {
			t.Fatal(err)
		}
		branches[i] = b
	}
	defer func() {
		for _, b := range branches {
			b.Free()
		}
	}()
	s := generate.NewCoLASession(m, 32, generate.PaperLatent)
	defer s.Close()
	policy := make([][]float32, len(prompts))
	s.Steer(generate.Steering{Hook: func(ev generate.CodeEvent) int {
		policy[ev.Seq] = slices.Clone(ev.PolicyLogits)
		return ev.Code
	}})
	ids, pad := generate.LeftPad(prompts, len(prompt))
	distinct := map[int]bool{}
	for step := range codes[0] {
		undo := s.Steer(func() generate.Steering {
			st := s.Steering()
			st.Next = []int{codes[0][step], codes[1][step]}
			return st
		}())
		var logits [][]float32
		var err error
		if step == 0 {
			logits, err = s.Prefill(ids, len(prompts), len(prompt), pad)
		} else {
			logits, err = s.Step(ids)
		}
		undo()
		if err != nil {
			t.Fatal(err)
		}
		ids = make([]int64, len(prompts))
		for i, b := range branches {
			if d := maxDiff(policy[i], b.Policy()); d > 1e-4 {
				t.Fatalf("step %d seq %d: session and branch policies differ by %g", step, i, d)
			}
			tok := generate.Argmax(logits[i])
			got, err := b.Next(codes[i][step])
			if err != nil {
				t.Fatal(err)
			}
			if got != tok {
				t.Fatalf("step %d seq %d: branch token %d, session token %d", step, i, got, tok)
			}
			distinct[tok] = true
			c, err := b.Child(tok)
			if err != nil {
				t.Fatal(err)
			}
			b.Free()
			branches[i], ids[i] = c, int64(tok)
		}
	}
	if got := s.Codes(); !slices.Equal(got[0], codes[0]) || !slices.Equal(got[1], codes[1]) {
		t.Fatalf("session used codes %v, forced %v", got, codes)
	}
	if len(distinct) < 3 {
		t.Fatalf("only %d distinct tokens: the test cannot tell codes apart", len(distinct))
	}
}

// Calls batched together (Rollouts, ExtendAll) give and count what each gives and counts alone:
// branches of different lengths, caps and seeds, a stop token that ends some sequences early.
func TestBatchedCallsAsAlone(t *testing.T) {
	m := tinyCoLA(t, testModules)
	m.CodeBook.W.MustMulScalar_(tensor.Scalar(40)) // codes change the world model's argmax
	var count generate.Forward
	bs := newBranches(t, m, nil, &count, prompt, prompt[:4], prompt[:7])
	lat := sampledCodes
	stop := stopAtFourth(t, bs[1], lat(4)) // ends the second branch's extension early
	// The second group ends at its cap and leaves the batch; the first goes on.
	groups := []generate.Group{{Branches: bs[:2], N: 9, Latent: lat(1)}, {Branches: bs[2:], N: 5, Latent: lat(2)}, {Branches: bs[1:], N: 0}}
	var alone [][][]int
	before := count
	for _, g := range groups {
		out, err := generate.Rollout(g.Branches, g.N, g.Latent, stop)
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, out)
	}
	spent := count.Minus(before)
	together, err := generate.Rollouts(groups, stop)
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Minus(before).Minus(spent); got != spent {
		t.Fatalf("rollouts counted %+v together, %+v alone", got, spent)
	}
	for g := range groups {
		for i := range alone[g] {
			if !slices.Equal(alone[g][i], together[g][i]) {
				t.Fatalf("group %d row %d: %v alone, %v together", g, i, alone[g][i], together[g][i])
			}
		}
	}
	// The second extension stops at its fourth token and leaves the batch; two rows go on.
	xs := []generate.Extension{{Branch: bs[0], N: 6, Latent: lat(3)}, {Branch: bs[1], N: 9, Latent: lat(4)}, {Branch: bs[2], N: 0},
		{Branch: bs[2], N: 12, Latent: lat(5)}}
	before = count
	var one []generate.Extended
	for _, x := range xs {
		b, toks, codes, err := x.Branch.Extend(x.N, x.Latent, stop)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free()
		one = append(one, generate.Extended{Branch: b, Tokens: toks, Codes: codes})
	}
	spent = count.Minus(before)
	all, err := generate.ExtendAll(xs, stop)
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Minus(before).Minus(spent); got != spent {
		t.Fatalf("extensions counted %+v together, %+v alone", got, spent)
	}
	for i, e := range all {
		defer e.Branch.Free()
		a := one[i]
		if !slices.Equal(a.Tokens, e.Tokens) || !slices.Equal(a.Codes, e.Codes) || !slices.Equal(a.Branch.Tokens, e.Branch.Tokens) {
			t.Fatalf("extension %d: %v %v alone, %v %v together", i, a.Tokens, a.Codes, e.Tokens, e.Codes)
		}
		if d := maxDiff(a.Branch.Policy(), e.Branch.Policy()); d > 1e-5 {
			t.Fatalf("extension %d: policies differ by %g", i, d)
		}
		// The extended branches go on alike: their caches hold the same text.
		x, err := a.Branch.Child(5)
		if err != nil {
			t.Fatal(err)
		}
		y, err := e.Branch.Child(5)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(x.Policy(), y.Policy()); d > 1e-5 {
			t.Fatalf("extension %d: a child's policies differ by %g", i, d)
		}
		x.Free()
		y.Free()
	}
	// Steps: Next then Child on each branch, one at a time and as one batch.
	codes := []int{3, 9, 14}
	before = count
	var kids []*generate.Branch
	var toks []int
	for i, b := range bs {
		tok, err := b.Next(codes[i])
		if err != nil {
			t.Fatal(err)
		}
		c, err := b.Child(tok)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Free()
		kids, toks = append(kids, c), append(toks, tok)
	}
	spent = count.Minus(before)
	stepped, stepToks, err := generate.StepAll(bs, codes)
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Minus(before).Minus(spent); got != spent || !slices.Equal(toks, stepToks) {
		t.Fatalf("steps: tokens %v counted %+v together, %v %+v alone", stepToks, got, toks, spent)
	}
	for i, c := range stepped {
		defer c.Free()
		if d := maxDiff(kids[i].Policy(), c.Policy()); d > 1e-5 || !slices.Equal(kids[i].Tokens, c.Tokens) {
			t.Fatalf("step %d: policies differ by %g, tokens %v and %v", i, d, kids[i].Tokens, c.Tokens)
		}
	}
	if len(all[1].Tokens) > 4 {
		t.Fatalf("extension 1 has %d tokens: the stop token %d did not end it", len(all[1].Tokens), stop[0])
	}
}

// newBranches is a branch of m (with the Q-network q; nil: none) for each prompt, counted in
// count and freed when the test ends.
func newBranches(t *testing.T, m *cola.Model, q generate.QModel, count *generate.Forward, prompts ...[]int) []*generate.Branch {
	t.Helper()
	var bs []*generate.Branch
	for _, p := range prompts {
		b, err := generate.NewBranch(m, q, p, count)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Free)
		bs = append(bs, b)
	}
	return bs
}

// sampledCodes is the code sampling of the batched-call tests, on stream seed.
func sampledCodes(seed uint64) generate.Sampling {
	return generate.Sampling{Temperature: 1, TopK: 8, Seed: seed}
}

// stopAtFourth is a stop token that ends b's extension with lat at its fourth token: the token
// it writes there.
func stopAtFourth(t *testing.T, b *generate.Branch, lat generate.Sampling) []int {
	t.Helper()
	probe, toks, _, err := b.Extend(9, lat, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe.Free()
	return []int{toks[3]}
}
