package search

import (
	"fmt"
	"testing"
)

// With Distinct, codes that give a token a child already has make no child of their own: their
// probability joins that child's prior, and they count as tries. Codes 0-5 (probabilities 0.3,
// 0.25, 0.2, 0.1, 0.1, 0.05) give tokens 10, 10, 11, 11, 12, 12.
func TestDistinctChildrenMergeCodesOfOneToken(t *testing.T) {
	f := func() *fake {
		return &fake{C: 6, probs: func([]int) []float64 { return probsOf(0.3, 0.25, 0.2, 0.1, 0.1, 0.05) },
			token: func(_ []int, code int) int { return 10 + code/2 }}
	}
	kids := func(ns []*Node) string {
		out := ""
		for _, c := range ns {
			out += fmt.Sprintf("[code %d token %d prior %.2f] ", c.Code, c.Tokens[0], c.PolicyProb)
		}
		return out
	}
	root := func(m *fake) *Node {
		st, _ := m.Root([]int{1})
		return &Node{Code: -1, PolicyProb: 0.5, state: st}
	}
	for _, tc := range []struct {
		distinct bool
		tries    int
		want     string
		merged   int
	}{
		{false, 10, "[code 0 token 10 prior 0.30] [code 1 token 10 prior 0.25] [code 2 token 11 prior 0.20] [code 3 token 11 prior 0.10] ", 0},
		{true, 10, "[code 0 token 10 prior 0.55] [code 2 token 11 prior 0.30] [code 4 token 12 prior 0.15] ", 3},
		{true, 3, "[code 0 token 10 prior 0.55] [code 2 token 11 prior 0.20] ", 1},
	} {
		m := f()
		cfg := Math500()
		cfg.Distinct, cfg.MaxTries = tc.distinct, tc.tries
		st := &Stats{}
		s := newSearcher(m, cfg, false, zeroReward, st)
		r := root(m)
		if _, err := s.expand(r); err != nil {
			t.Fatal(err)
		}
		if got := kids(r.Children); got != tc.want || st.Merged != tc.merged {
			t.Errorf("distinct %v, %d tries: children %s(%d merged), want %s(%d)", tc.distinct, tc.tries, got, st.Merged, tc.want, tc.merged)
		}
		if st.Rollouts != len(r.Children) || m.live != 1+len(r.Children) {
			t.Errorf("distinct %v: %d rollouts and %d live states for %d children", tc.distinct, st.Rollouts, m.live-1, len(r.Children))
		}
	}

	// A code tried later whose token an existing child has joins that child.
	m := f()
	cfg := Math500()
	cfg.Distinct, cfg.B1 = true, 2
	st := &Stats{}
	s := newSearcher(m, cfg, false, zeroReward, st)
	r := root(m)
	if _, err := s.expand(r); err != nil {
		t.Fatal(err)
	}
	more, err := s.children(r, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := kids(append(r.Children, more...)); got != "[code 0 token 10 prior 0.55] [code 2 token 11 prior 0.30] [code 4 token 12 prior 0.10] " {
		t.Errorf("a later expansion: %s", got)
	}
}
