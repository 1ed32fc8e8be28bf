package search

import (
	"slices"
	"testing"

	"colash/engine/rl"
)

// count11 rewards an answer by its share of token 11 (code 1).
func count11(a [][]int) ([]float64, error) {
	out := make([]float64, len(a))
	for i, x := range a {
		for _, t := range x {
			if t == 11 {
				out[i]++
			}
		}
		if len(x) > 0 {
			out[i] /= float64(len(x))
		}
	}
	return out, nil
}

func TestEarlyStopOnEOS(t *testing.T) {
	for _, eosCode := range []int{3, 0} {
		f := &fake{C: 4, token: func(s []int, code int) int {
			if len(s) == 1 && code == eosCode {
				return 0
			}
			return 10 + code
		}}
		cfg := Math500()
		cfg.T, cfg.SimTokens, cfg.Restarts, cfg.CompleteTokens = 3, 4, 0, 0
		tr, err := Run(f, []int{1}, count11, Options{Method: "mcts", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		// Code 3 is expanded last at the root (b1 = 4): that round ends the search. Code 0 is
		// expanded first, so the round goes on and so does the search.
		want := 3
		if eosCode == 3 {
			want = 1
		}
		if tr.Stats.Rounds != want {
			t.Fatalf("EOS from code %d: %d rounds, want %d", eosCode, tr.Stats.Rounds, want)
		}
		if f.live != 0 {
			t.Fatalf("%d states not freed", f.live)
		}
	}
}

func TestRestartDriver(t *testing.T) {
	f := &fake{C: 3}
	cfg := Math500()
	cfg.T, cfg.SimTokens, cfg.Restarts, cfg.CompleteTokens = 2, 3, 2, 4
	tr, err := Run(f, []int{1}, count11, Options{Method: "mcts", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stats.Searches != 3 || len(f.roots) != 4 {
		t.Fatalf("%d searches and %d roots, want 3 searches (1 + 2 restarts) and a completion root", tr.Stats.Searches, len(f.roots))
	}
	// Each search starts from the prompt plus the best answer so far. Round 1 expands codes 0,
	// 1, 2 at the root (rollouts take code 0); the code-1 child (R 1/4) wins selection, round 2
	// gives it codes 0 and 1, and [11 11] + rollout [10 10 10] scores 2/5, the best.
	one := []int{11, 11, 10, 10, 10}
	for i, want := range [][]int{{1}, append([]int{1}, one...)} {
		if !slices.Equal(f.roots[i], want) {
			t.Fatalf("search %d started from %v, want %v", i, f.roots[i], want)
		}
	}
	for i := 1; i < 4; i++ {
		if len(f.roots[i]) <= len(f.roots[i-1]) || !slices.Equal(f.roots[i][:len(f.roots[i-1])], f.roots[i-1]) {
			t.Fatalf("search %d does not continue search %d: %v", i, i-1, f.roots)
		}
	}
	if !slices.Equal(f.roots[3][:len(f.roots[2])], f.roots[2]) || !slices.Equal(tr.Answer[:len(f.roots[3])-1], f.roots[3][1:]) {
		t.Fatalf("the completion does not continue the last search's answer: %v, %v", f.roots, tr.Answer)
	}
	if len(tr.Answer) != len(f.roots[3])-1+4 || f.temps[len(f.temps)-1] != 0.5 {
		t.Fatalf("answer %v: want the searches' answer and 4 completed tokens", tr.Answer)
	}
	// Rollouts that reach EOS end the driver after one search, with no completion.
	f = &fake{C: 3, eosAt: 6}
	tr, err = Run(f, []int{1}, count11, Options{Method: "mcts", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stats.Searches != 1 || len(f.roots) != 1 || tr.Answer[len(tr.Answer)-1] != 0 {
		t.Fatalf("EOS answer: %d searches, %d roots, answer %v", tr.Stats.Searches, len(f.roots), tr.Answer)
	}
	if f.live != 0 {
		t.Fatalf("%d states not freed", f.live)
	}
}

func TestBudgetStopsSearch(t *testing.T) {
	f := &fake{C: 3}
	cfg := Math500()
	cfg.SimTokens, cfg.Restarts, cfg.CompleteTokens = 8, 0, 0
	tr, err := Run(f, []int{1}, count11, Options{Method: "mcts", Config: cfg, Budget: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := tr.Stats.Forward.Total()
	// The budget rule (budget.go): MCTS stops once the budget cannot pay for one more child (3
	// positions), never past it.
	if tr.Stats.Rounds >= cfg.T || got <= 100-3 || got > 100 {
		t.Fatalf("budget 100: %d rounds, %d forward tokens", tr.Stats.Rounds, got)
	}
	// The budget is per problem: a second one on the same model gets as much.
	tr2, err := Run(f, []int{1}, count11, Options{Method: "mcts", Config: cfg, Budget: 100})
	if err != nil || tr2.Stats.Forward.Total() != got {
		t.Fatalf("second problem: %v, %d forward tokens, want %d", err, tr2.Stats.Forward.Total(), got)
	}
}

func TestBestOfNAndGreedy(t *testing.T) {
	rs := []float64{0.1, 0.9, 0.3, 0.9, 0.2}
	i := 0
	seq := func(a [][]int) ([]float64, error) {
		out := rs[i : i+len(a)]
		i += len(a)
		return out, nil
	}
	f := &fake{C: 3}
	cfg := Math500()
	cfg.SimTokens = 4
	tr, err := Run(f, []int{1}, seq, Options{Method: "best-of-n", Config: cfg, N: 5, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Root.Children) != 5 || tr.Reward != 0.9 || tr.Best() != tr.Root.Children[3] {
		t.Fatalf("best-of-5: %d samples, reward %v", len(tr.Root.Children), tr.Reward)
	}
	if tr.Stats.Forward.Total() != 2+5*4*3 || f.temps[0] != 1 {
		t.Fatalf("best-of-5 counted %d forward tokens at temperature %v", tr.Stats.Forward.Total(), f.temps[0])
	}
	f, i = &fake{C: 3}, 0
	tr, err = Run(f, []int{1}, seq, Options{Method: "greedy", Config: cfg})
	if err != nil || len(tr.Root.Children) != 1 || f.temps[0] != 0 || f.live != 0 {
		t.Fatalf("greedy: %v, %d samples, temperature %v, %d live", err, len(tr.Root.Children), f.temps[0], f.live)
	}
	// With a budget, best-of-n samples whole samples while the budget pays for one: 18 left after
	// a root of 2 pays for one of 12, not a second.
	f, i = &fake{C: 3}, 0
	tr, err = Run(f, []int{1}, seq, Options{Method: "best-of-n", Config: cfg, Budget: 20, Batch: 1})
	if err != nil || len(tr.Root.Children) != 1 || tr.Stats.Forward.Total() != 14 {
		t.Fatalf("budget 20 at 12 per sample after a root of 2: %v, %d samples, %d forward tokens, want 1 and 14", err, len(tr.Root.Children), tr.Stats.Forward.Total())
	}
	// A batch is no larger than the budget left pays for: 28 left at 12 a sample is 2, not 8.
	f, i = &fake{C: 3}, 0
	rs = make([]float64, 16)
	tr, err = Run(f, []int{1}, seq, Options{Method: "best-of-n", Config: cfg, Budget: 30, Batch: 8})
	if err != nil || len(tr.Root.Children) != 2 || tr.Stats.Forward.Total() != 26 {
		t.Fatalf("budget 30 in batches of 8: %v, %d samples, %d forward tokens, want 2 and 26", err, len(tr.Root.Children), tr.Stats.Forward.Total())
	}
}

// AnswerTokens caps every answer, for MCTS (path + rollout, extensions) and best-of-N alike.
func TestAnswerTokensCap(t *testing.T) {
	for _, meth := range []string{"mcts", "mcts-q", "best-of-n"} {
		f := &fake{C: 3, q: func(s []int) []float64 { return []float64{0, 0, 0} }} // u = 0: extend
		cfg := Math500()
		cfg.SimTokens, cfg.ExtendMax, cfg.AnswerTokens, cfg.T, cfg.Restarts = 10, 10, 6, 6, 2
		tr, err := Run(f, []int{1}, count11, Options{Method: meth, Config: cfg, N: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range tr.Nodes()[1:] {
			if a := n.Answer(); len(a) > 6 {
				t.Fatalf("%s: answer %v longer than 6", meth, a)
			}
		}
		if len(tr.Answer) != 6 || tr.Stats.Searches != 1 {
			t.Fatalf("%s: answer %v after %d searches, want 6 tokens from one", meth, tr.Answer, tr.Stats.Searches)
		}
	}
}

func TestStoryTasks(t *testing.T) {
	tk, err := NewTask("story-pair", rl.TaskOptions{})
	if err != nil || len(tk.Examples) < 100 {
		t.Fatalf("story-pair: %v, %d problems", err, len(tk.Examples))
	}
	ex := tk.Examples[0] // friend, dog
	for text, want := range map[string]float64{"The dog ran.": 0.5, "A friend and a Dog.": 1, "friendly dogs": 0} {
		if got, _ := tk.Reward.Reward(ex.Prompt, text, ex); got != want {
			t.Errorf("story-pair %q: %v, want %v", text, got, want)
		}
	}
	tk, err = NewTask("story-target", rl.TaskOptions{})
	if err != nil || len(tk.Examples) < 100 {
		t.Fatalf("story-target: %v, %d problems", err, len(tk.Examples))
	}
	if got, _ := tk.Reward.Reward("", "a friend", tk.Examples[0]); got != 1 {
		t.Errorf("story-target friend: %v", got)
	}
	if got, _ := tk.Reward.Reward("", "a friend", tk.Examples[len(tk.Examples)-1]); got != 0 {
		t.Errorf("story-target cake scored a friend: %v", got)
	}
}

// Siblings at different depths share one rollout batch; each keeps only its own room.
func TestSimulateCapsEachChild(t *testing.T) {
	f := &fake{C: 3}
	cfg := Math500()
	cfg.SimTokens, cfg.AnswerTokens = 10, 6
	s := newSearcher(f, cfg, false, count11, &Stats{})
	root := &Node{Code: -1}
	a := &Node{Parent: root, Tokens: []int{11}, Depth: 1, state: &fstate{toks: []int{1, 11}}}
	b := &Node{Parent: root, Tokens: []int{12, 12, 12, 12}, Depth: 4, state: &fstate{toks: []int{1, 12, 12, 12, 12}}}
	if err := s.simulate([]*Node{a, b}); err != nil {
		t.Fatal(err)
	}
	if len(a.Rollout) != 5 || len(b.Rollout) != 2 {
		t.Fatalf("rollouts of %d and %d tokens, want 5 and 2", len(a.Rollout), len(b.Rollout))
	}
}
