package search

import (
	"fmt"
	"testing"
)

// Every method, run on the same deterministic model at budgets from below one answer to several
// rounds, counts at most the budget in forward tokens: the rule of budget.go caps each call
// (children, extensions, rollouts, samples, restarts, completion) instead of checking between
// rounds. The prompt (3 tokens, 9 positions with a Q-network) is below every budget here.
func TestEveryMethodStaysWithinBudget(t *testing.T) {
	q := func(s []int) []float64 {
		// Confident after an even last token, so that MCTS-Q extends some children and not others.
		if len(s) > 1 && s[len(s)-1]%2 == 1 {
			return []float64{0, 0, 0, 0, 0}
		}
		return []float64{0.5, 0.5, 0.5, 0.5, 0.5}
	}
	reward := func(a [][]int) ([]float64, error) { return make([]float64, len(a)), nil }
	for _, meth := range Methods {
		for _, variant := range []string{"py", "pyc"} {
			if variant == "pyc" && meth != "mcts-q" {
				continue
			}
			// Without an answer cap or EOS, short searches leave the answer open: the driver
			// restarts, or completes it.
			for _, c := range []struct{ eos, answer, rounds, restarts int }{{0, 30, 64, 2}, {23, 30, 64, 2}, {0, 0, 3, 2}, {0, 0, 1, 0}} {
				for B := int64(20); B <= 700; B += 13 {
					eos := c.eos
					name := fmt.Sprintf("%s %s eos %d answer cap %d budget %d", meth, variant, eos, c.answer, B)
					f := &fake{C: 5, eosAt: eos, seeded: true}
					if meth == "mcts-q" {
						f.q = q
					}
					cfg := Math500()
					cfg.Variant, cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.ExtendMax = variant, c.rounds, 9, c.answer, 6
					cfg.Restarts, cfg.CompleteTokens, cfg.Uncertainty = c.restarts, 20, 0.1
					tr, err := Run(f, []int{1, 2, 3}, reward, Options{Method: meth, Config: cfg, Budget: B, Batch: 4, Seed: 5})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					got := tr.Stats.Forward.Total()
					if got > B {
						t.Errorf("%s: %d forward tokens, over the budget", name, got)
					}
					if f.live != 0 {
						t.Errorf("%s: %d states not freed", name, f.live)
					}
					if meth != "greedy" && c.restarts > 0 && B >= 150 && got < B/3 {
						t.Errorf("%s: %d forward tokens: the budget should bind", name, got)
					}
				}
			}
		}
	}
}

// The rule itself: what is left, and how many rows, or tokens a row, a call may take.
func TestBudgetRule(t *testing.T) {
	b := budget{c: &Counter{}, limit: 100, q: true}
	b.c.Add(10, 0, true) // 30 spent
	switch {
	case b.left() != 70:
		t.Fatalf("left %d, want 70", b.left())
	case b.rows(8, 5, false) != 4: // 15 a row at 3 a token
		t.Fatalf("rows %d, want 4", b.rows(8, 5, false))
	case b.rows(8, 5, true) != 3: // 20 a row with the Q-network
		t.Fatalf("rows with Q %d, want 3", b.rows(8, 5, true))
	case b.length(4, 100, false) != 5: // 70 / (4 rows * 3)
		t.Fatalf("length %d, want 5", b.length(4, 100, false))
	case !b.pays(22) || b.pays(23): // 22 fed positions at 3 + one token at 4 = 70
		t.Fatalf("pays(22) %v, pays(23) %v", b.pays(22), b.pays(23))
	}
	none := budget{c: b.c}
	if none.rows(8, 1000, true) != 8 || none.length(8, 1000, true) != 1000 {
		t.Fatal("without a budget every call is paid in full")
	}
	b.c.Add(30, 0, true) // 120 spent: past it, nothing more
	if b.rows(1, 1, false) != 0 || b.length(1, 9, false) != 0 {
		t.Fatal("a spent budget pays for nothing")
	}
}
