package search

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// treeDigest hashes everything a search decided: its statistics, answer and every node.
func treeDigest(t *Tree) string {
	h := sha256.New()
	var put func(vs ...any)
	put = func(vs ...any) {
		for _, v := range vs {
			switch x := v.(type) {
			case int:
				binary.Write(h, binary.LittleEndian, int64(x))
			case int64:
				binary.Write(h, binary.LittleEndian, x)
			case bool:
				binary.Write(h, binary.LittleEndian, x)
			case float64:
				binary.Write(h, binary.LittleEndian, math.Float64bits(x))
			case []int:
				put(len(x))
				for _, y := range x {
					put(y)
				}
			}
		}
	}
	st := t.Stats
	put(st.Nodes, st.Rollouts, st.Rounds, st.Searches, st.Forward.Backbone, st.Forward.Policy, st.Forward.World, st.Forward.Q, t.Answer, t.Reward)
	for _, n := range t.Nodes() {
		put(n.Code, n.Tokens, n.Codes, n.Depth, n.Terminal, n.EOS, n.R, n.Rollout, n.Value, n.Visits, n.PolicyProb, n.Uncertain, len(n.Children))
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// The searches of a deterministic model whose extensions and rollouts follow their seeds, with
// confident and uncertain children, multi-token nodes that reach EOS, both variants, a budget
// and restarts: their digests were taken when every child was expanded, extended and scored one
// after the other, so a change in the order of the work that changed a result shows here.
func TestSearchesAsExpandedOneChildAtATime(t *testing.T) {
	q := func(s []int) []float64 {
		// Confident after an even last token (the child's max Q matches the parent's), else not.
		v := []float64{0.5, 0.5, 0.5, 0.5, 0.5}
		if len(s) > 1 && s[len(s)-1]%2 == 1 {
			v = []float64{0, 0, 0, 0, 0}
		}
		return v
	}
	reward := func(a [][]int) ([]float64, error) {
		out := make([]float64, len(a))
		for i, x := range a {
			for _, tok := range x {
				if tok == 12 || tok == 13 {
					out[i] += 1 / float64(len(x))
				}
			}
		}
		return out, nil
	}
	want := map[string]string{
		"mcts py":          "31806bbe021b1a66",
		"mcts-q py":        "84d1e53159df3323",
		"mcts-q pyc":       "ba66edbfb0a0cb28",
		"mcts-q py budget": "877f9b4d80f662c6", // since the budget caps each call (budget.go)
		"best-of-n py":     "bed5f191bc93e3c1", // idem: whole samples only
	}
	for _, c := range []struct {
		meth, variant string
		budget        int64
	}{{"mcts", "py", 0}, {"mcts-q", "py", 0}, {"mcts-q", "pyc", 0}, {"mcts-q", "py", 150}, {"best-of-n", "py", 120}} {
		f := &fake{C: 5, q: q, eosAt: 23, seeded: true}
		cfg := Math500()
		cfg.Variant, cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.ExtendMax, cfg.Restarts, cfg.CompleteTokens = c.variant, 6, 9, 30, 3, 2, 4
		cfg.Uncertainty = 0.1
		name := c.meth + " " + c.variant
		if c.budget > 0 && c.meth != "best-of-n" {
			name += " budget"
		}
		tr, err := Run(f, []int{1, 2, 3}, reward, Options{Method: c.meth, Config: cfg, Budget: c.budget, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		if got := treeDigest(tr); got != want[name] {
			t.Errorf("%s: digest %s, want %s (%d nodes, %d extensions, answer %v)", name, got, want[name], tr.Stats.Nodes, f.extends, tr.Answer)
		}
		if f.live != 0 {
			t.Errorf("%s: %d states not freed", name, f.live)
		}
	}
}
