package torch_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"colash/engine/rm"
	"colash/model/checkpoint"
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

// A reward model folder scores a script's search: the answer's reward is the model's score of
// (prompt, answer), and a best-of-N search picks the sample it scores highest.
func TestSearchWithARewardModel(t *testing.T) {
	bb, err := checkpoint.Open("../../models/stories260K", checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := rm.New(bb, 64, 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rm")
	if err := r.Save(dir, ""); err != nil {
		t.Fatal(err)
	}
	defer r.Free()
	prompt := "Tom and Sue went to the park."
	tr := colash.Load("cola").Search(prompt, colash.SearchOpts{Method: "best-of-n", N: 4, Tokens: 12, RewardModel: dir})
	var texts []string
	for _, n := range tr.Nodes()[1:] {
		texts = append(texts, n.Text)
	}
	want, err := r.Score(slices.Repeat([]string{prompt}, len(texts)), texts, 0)
	if err != nil || len(want) != 4 {
		t.Fatalf("scores %v: %v", want, err)
	}
	for i, n := range tr.Nodes()[1:] {
		if math.Abs(n.R-want[i]) > 1e-5 {
			t.Fatalf("sample %d %q: R %v, the reward model scores %v", i, n.Text, n.R, want[i])
		}
	}
	if tr.Reward != slices.Max(want) {
		t.Fatalf("best-of-4 chose reward %v of %v", tr.Reward, want)
	}
}
