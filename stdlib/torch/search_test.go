package torch_test

import (
	"strings"
	"testing"

	colash "colash/stdlib"
	_ "colash/stdlib/torch"
)

func TestSearchScript(t *testing.T) {
	m := colash.Load("cola")
	dog := func(p, c string) float64 { return float64(strings.Count(c, "dog")) }
	tr := m.Search("Tom and Sue went to the park.", colash.SearchOpts{Method: "mcts", Budget: 1500, Tokens: 24, Reward: dog})
	st := tr.Stats()
	if st.Forward < 1500 || st.Forward > 3000 || st.Nodes != len(tr.Nodes()) || st.Nodes < 5 {
		t.Fatalf("stats %v with %d nodes listed", st, len(tr.Nodes()))
	}
	best := tr.Best()
	for _, n := range tr.Nodes()[1:] {
		if n.R > best.R {
			t.Fatalf("Best has R %v, a node has %v", best.R, n.R)
		}
	}
	if tr.Reward != dog("", tr.Answer) {
		t.Fatalf("answer %q has reward %v, the tree says %v", tr.Answer, dog("", tr.Answer), tr.Reward)
	}
	bon := m.Search("Tom and Sue went to the park.", colash.SearchOpts{Method: "best-of-n", N: 3, Tokens: 24, Reward: dog})
	if len(bon.Nodes()) != 4 {
		t.Fatalf("best-of-3 has %d nodes, want the root and 3 samples", len(bon.Nodes()))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a plain Llama searched")
		}
	}()
	colash.Load("").Search("x", colash.SearchOpts{Reward: dog})
}
