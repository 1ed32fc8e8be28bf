package search

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Fatalf("%s = %.12g, want %.12g", what, got, want)
	}
}

// A hand-built tree: root (visits 4, full) with children a (value 0.5, prior 0.2, visits 3)
// and b (value 0.3, prior 0.9, visits 1).
func handTree() (*Node, *Node, *Node) {
	root := &Node{Code: -1, Visits: 4, PolicyProb: 0.5}
	a := &Node{Parent: root, Code: 1, Depth: 1, Value: 0.5, PolicyProb: 0.2, Visits: 3}
	b := &Node{Parent: root, Code: 2, Depth: 1, Value: 0.3, PolicyProb: 0.9, Visits: 1}
	root.Children = []*Node{a, b}
	return root, a, b
}

func TestSelectPUCT(t *testing.T) {
	cfg := Math500()
	cfg.B1 = 2
	s := &searcher{cfg: cfg}
	root, a, b := handTree()
	near(t, "puct(a)", s.puct(a), 0.5+0.7*0.2*2/4)
	near(t, "puct(b)", s.puct(b), 0.3+0.7*0.9*2/2)
	if got := s.selectNode(root); got != b {
		t.Fatalf("selected code %d, want b (code 2)", got.Code)
	}
	b.Terminal = true
	if got := s.selectNode(root); got != a {
		t.Fatalf("with b terminal selected %v, want a", got)
	}
	// A full node is not a candidate; the root, once it has room, is scored with its own visits.
	b.Terminal = false
	b.Children = []*Node{{Parent: b}, {Parent: b}}
	s.cfg.B1 = 3
	root.Value = 0.5
	near(t, "puct(root)", s.puct(root), 0.5+0.7*0.5*2/5)
	if got := s.selectNode(root); got != root {
		t.Fatalf("selected %v, want the root (0.64 > a's 0.57)", got.Code)
	}
	// Nodes shallower than the deepest minus DepthWindow are skipped.
	b.Children[0].Depth, s.cfg.DepthWindow = 150, 100
	b.Children[0].Terminal = true
	if got := s.selectNode(root); got != nil {
		t.Fatalf("every open node is 100 shallower than the deepest, yet %v was selected", got)
	}
	b.Children[1].Depth = 60
	if got := s.selectNode(root); got != b.Children[1] {
		t.Fatalf("with a deep node selected %v, want b's open child at depth 60", got)
	}
}

func TestBackupGamma(t *testing.T) {
	root := &Node{Code: -1}
	c1 := &Node{Parent: root, Code: 1, R: 1}
	c2 := &Node{Parent: root, Code: 2, R: 0}
	root.Children = []*Node{c1, c2}
	backup(c1, 0.99)
	near(t, "root after c1", root.Value, 1+0.99*1)
	backup(c2, 0.99)
	near(t, "root after c2", root.Value, (1.99*1+0)/2)
	g := &Node{Parent: c1, Code: 3, R: 0.2}
	c1.Children = []*Node{g}
	backup(g, 0.99)
	qg := (0.2 - 1) + 0.99*0.2
	near(t, "c1", c1.Value, qg)
	near(t, "q(c1)", root.Q[1], 1+0.99*qg)
	near(t, "root", root.Value, (root.Q[1]*2+0*1)/3)
	if root.Visits != 3 || c1.Visits != 2 || g.Visits != 1 {
		t.Fatalf("visits root %d c1 %d g %d, want 3 2 1", root.Visits, c1.Visits, g.Visits)
	}
	// value stays when the visit-weighted sum is 0 (the released `if nume and deno`).
	z := &Node{Code: -1, Value: 7}
	zc := &Node{Parent: z, Code: 0}
	z.Children = []*Node{zc}
	backup(zc, 0.99)
	near(t, "unchanged value", z.Value, 7)
}

func newSearcher(f *fake, cfg Config, useQ bool, reward Reward, st *Stats) *searcher {
	score := func(ns []*Node) ([]float64, error) {
		a := make([][]int, len(ns))
		for i, n := range ns {
			a[i] = n.Answer()
		}
		return reward(a)
	}
	return &searcher{cfg: cfg, m: f, score: score, useQ: useQ, stats: st}
}

func zeroReward(a [][]int) ([]float64, error) { return make([]float64, len(a)), nil }

func TestExpansionOrder(t *testing.T) {
	f := &fake{C: 4, probs: func(s []int) []float64 { return probsOf(0.1, 0.4, 0.3, 0.2) }}
	cfg := Math500()
	s := newSearcher(f, cfg, false, zeroReward, &Stats{})
	st, _ := f.Root([]int{1})
	root := &Node{Code: -1, PolicyProb: 0.5, state: st}
	if _, err := s.expand(root); err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, c := range root.Children {
		codes = append(codes, c.Code)
		if len(c.Tokens) != 1 || c.Tokens[0] != 10+c.Code {
			t.Fatalf("child %d tokens %v, want [%d]", c.Code, c.Tokens, 10+c.Code)
		}
	}
	if len(codes) != 4 || codes[0] != 1 || codes[1] != 2 || codes[2] != 3 || codes[3] != 0 {
		t.Fatalf("root children codes %v, want [1 2 3 0] (b1 = 4, by probability)", codes)
	}
	near(t, "prior of the first child", root.Children[0].PolicyProb, 0.4)
	kid := root.Children[0]
	if _, err := s.expand(kid); err != nil {
		t.Fatal(err)
	}
	if len(kid.Children) != 2 || kid.Children[0].Code != 1 || kid.Children[1].Code != 2 {
		t.Fatalf("inner node children %v, want codes 1, 2 (b2 = 2)", kid.Children)
	}
	// Without replacement: every code once, then nothing left.
	if cs, _ := s.children(kid, 4); len(cs) != 2 {
		t.Fatalf("%d more children of 4 codes, 2 tried: want the 2 left", len(cs))
	}
	if cs, _ := s.children(kid, 1); len(cs) != 0 || !kid.exhausted() {
		t.Fatalf("a fifth code was expanded from 4")
	}
}

// The TD rule: Q(s,a) = 1 at the root for every code; the child's max Q is 1/0.99 (u = 0: the
// child extends by ExtendMax tokens) or 0 (u = 1: it stays one token). Stats count the child as
// judged, and as confident in the first case.
func TestTDRuleBothWays(t *testing.T) {
	for _, confident := range []bool{true, false} {
		f := &fake{C: 3}
		f.q = func(s []int) []float64 {
			if len(s) == 1 {
				return []float64{1, 1, 1}
			}
			if confident {
				return []float64{0, 1 / 0.99, 0}
			}
			return []float64{0, 0, 0}
		}
		cfg := Math500()
		cfg.ExtendMax = 5
		stats := &Stats{}
		s := newSearcher(f, cfg, true, zeroReward, stats)
		st, _ := f.Root([]int{1})
		root := &Node{Code: -1, state: st}
		cs, err := s.children(root, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := cs[0]
		want, sure := 1, 0
		if confident {
			want, sure = 6, 1
		}
		if stats.Judged != 1 || stats.Confident != sure {
			t.Fatalf("confident=%v: %d children judged, %d confident; want 1 and %d", confident, stats.Judged, stats.Confident, sure)
		}
		if len(c.Tokens) != want || c.Depth != want || len(c.Codes) != want {
			t.Fatalf("confident=%v: child has %d tokens (depth %d), want %d", confident, len(c.Tokens), c.Depth, want)
		}
		p0 := 1 / (1 + 0.5 + 0.25)
		near(t, "prior", c.PolicyProb, p0/float64(want))
		if confident && f.temps[0] != 0.5 {
			t.Fatalf("extension sampled at temperature %v, want 0.5", f.temps[0])
		}
		// Plain MCTS ignores Q: one token.
		s.useQ = false
		if c2, _ := s.children(root, 1); len(c2[0].Tokens) != 1 {
			t.Fatalf("plain MCTS child has %d tokens", len(c2[0].Tokens))
		}
	}
}

// The .pyc variant: single-token children, terminal when confident.
func TestTDRulePyc(t *testing.T) {
	// The child's max Q: u = 0 (terminal), or u = 0.005, between the .pyc's threshold (0.002)
	// and the .py's (0.01): not terminal, and not counted confident.
	for _, c := range []struct {
		maxQ     float64
		terminal bool
	}{{1 / 0.99, true}, {(1 - math.Sqrt(0.005)) / 0.99, false}} {
		f := &fake{C: 3, q: func(s []int) []float64 {
			if len(s) == 1 {
				return []float64{1, 1, 1}
			}
			return []float64{c.maxQ, 0, 0}
		}}
		cfg := Math500()
		cfg.Variant = "pyc"
		stats := &Stats{}
		s := newSearcher(f, cfg, true, zeroReward, stats)
		st, _ := f.Root([]int{1})
		cs, _ := s.children(&Node{Code: -1, state: st}, 1)
		k := cs[0]
		if len(k.Tokens) != 1 || k.Terminal != c.terminal || f.extends != 0 {
			t.Fatalf("pyc child (max Q %.4f): tokens %d terminal %v extends %d, want 1 %v 0", c.maxQ, len(k.Tokens), k.Terminal, f.extends, c.terminal)
		}
		if want := map[bool]int{true: 1}[c.terminal]; stats.Judged != 1 || stats.Confident != want {
			t.Fatalf("pyc child (max Q %.4f): %d judged, %d confident; want 1 and %d", c.maxQ, stats.Judged, stats.Confident, want)
		}
	}
}
