package search

import (
	"slices"
	"testing"

	"colash/model/tokenizer"
)

// RunBatch changes when the work runs, not what it computes: searches of several prompts run
// side by side give each prompt the tree, answer and forward tokens that Run gives it alone,
// with and without prefix reuse, under a budget that stops them mid-search.
func TestRunBatchSameAsOneAtATime(t *testing.T) {
	m := openTiny(t)
	q := freshQ(t, m)
	var prompts [][]int
	for _, p := range []string{"Tom and Sue went to the park.", "Anna had a red ball.", "Once upon a time, there lived a kind old man."} {
		prompts = append(prompts, m.Tok.Encode(p, tokenizer.EncodeOptions{BOS: true}))
	}
	// Problem i rewards the share of its answer's tokens that are 11+i.
	rewards := make([]Reward, len(prompts))
	for i := range rewards {
		rewards[i] = func(a [][]int) ([]float64, error) {
			out := make([]float64, len(a))
			for k, x := range a {
				for _, tok := range x {
					if tok == 11+i {
						out[k] += 1 / float64(len(x))
					}
				}
			}
			return out, nil
		}
	}
	cfg := Math500()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.ExtendMax, cfg.Uncertainty = 5, 16, 24, 4, 1e9 // every child extends
	for _, c := range []struct {
		meth   string
		reuse  bool
		budget int64
	}{{"mcts", true, 0}, {"mcts", false, 0}, {"mcts-q", true, 0}, {"mcts-q", true, 400}, {"best-of-n", true, 300}, {"greedy", true, 0}} {
		opts := make([]Options, len(prompts))
		for i := range opts {
			opts[i] = Options{Method: c.meth, Config: cfg, Budget: c.budget, Seed: uint64(7 + i)}
		}
		models := [2]*CoLA{}
		for k := range models {
			models[k] = &CoLA{M: m.CoLA, TopK: 40, Reuse: c.reuse, Stops: m.Tok.StopTokens()}
			if c.meth == "mcts-q" {
				models[k].Q = q
			}
		}
		var alone []*Tree
		for i, p := range prompts {
			tr, err := Run(models[0], p, rewards[i], opts[i])
			if err != nil {
				t.Fatal(err)
			}
			alone = append(alone, tr)
		}
		together, err := RunBatch(models[1], prompts, rewards, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range prompts {
			sameTree(t, c.meth, i, alone[i], together[i])
		}
		if a, b := *models[0].Counter(), *models[1].Counter(); a != b {
			t.Errorf("%s: the model counted %+v one at a time, %+v together", c.meth, a, b)
		}
		t.Logf("%s reuse %v budget %d: %d forward tokens over %d problems", c.meth, c.reuse, c.budget, models[0].Counter().Total(), len(prompts))
	}
}

// sameTree fails unless a and b are the same search, node for node.
func sameTree(t *testing.T, meth string, i int, a, b *Tree) {
	t.Helper()
	if !slices.Equal(a.Answer, b.Answer) || a.Reward != b.Reward || a.Stats.Forward != b.Stats.Forward ||
		a.Stats.Nodes != b.Stats.Nodes || a.Stats.Rollouts != b.Stats.Rollouts || a.Stats.Rounds != b.Stats.Rounds {
		t.Fatalf("%s problem %d: alone %v (%.3f) %+v, together %v (%.3f) %+v", meth, i,
			a.Answer, a.Reward, a.Stats, b.Answer, b.Reward, b.Stats)
	}
	na, nb := a.Nodes(), b.Nodes()
	for k := range na {
		x, y := na[k], nb[k]
		if !slices.Equal(x.Tokens, y.Tokens) || !slices.Equal(x.Rollout, y.Rollout) || x.R != y.R || x.Visits != y.Visits || x.Value != y.Value {
			t.Fatalf("%s problem %d node %d: %v+%v R %g N %d V %g alone, %v+%v R %g N %d V %g together", meth, i, k,
				x.Tokens, x.Rollout, x.R, x.Visits, x.Value, y.Tokens, y.Rollout, y.R, y.Visits, y.Value)
		}
	}
}
