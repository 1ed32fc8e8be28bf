package search

import (
	"slices"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/qnet"
	"colash/model/tokenizer"
	"colash/model/weights"
)

func openTiny(t *testing.T) *checkpoint.Model {
	t.Helper()
	m, err := checkpoint.Open("../../models/stories260K-cola", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

// freshQ is a Q-network of m's codes: a fresh head on a copy of the tiny backbone.
func freshQ(t *testing.T, m *checkpoint.Model) *qnet.QNet {
	t.Helper()
	body := openTiny(t)
	weights.Free(body.CoLA)
	q, err := qnet.New(body.Llama, m.CoLA.Config.NumCode, 3)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Prefix reuse changes the cost of a search, not its result: with the same seeds the trees
// with and without forked caches are the same, node for node, and reuse spends fewer tokens.
func TestCoLAReuseSameTreeFewerTokens(t *testing.T) {
	m := openTiny(t)
	q := freshQ(t, m)
	prompt := m.Tok.Encode("Tom and Sue went to the park.", tokenizer.EncodeOptions{BOS: true})
	cfg := Math500()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.ExtendMax, cfg.Uncertainty = 5, 16, 24, 4, 1e9 // every child extends
	reward := func(a [][]int) ([]float64, error) { return count11(a) }
	for _, meth := range []string{"mcts", "mcts-q"} {
		var trees []*Tree
		var spent []int64
		for _, reuse := range []bool{true, false} {
			cm := &CoLA{M: m.CoLA, TopK: 40, Reuse: reuse, Stops: m.Tok.StopTokens()}
			if meth == "mcts-q" {
				cm.Q = q
			}
			tr, err := Run(cm, prompt, reward, Options{Method: meth, Config: cfg, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			trees, spent = append(trees, tr), append(spent, tr.Stats.Forward.Total())
		}
		a, b := trees[0].Nodes(), trees[1].Nodes()
		if len(a) != len(b) || len(a) < 8 {
			t.Fatalf("%s: %d nodes with reuse, %d without", meth, len(a), len(b))
		}
		for i := range a {
			if !slices.Equal(a[i].Tokens, b[i].Tokens) || !slices.Equal(a[i].Rollout, b[i].Rollout) {
				t.Fatalf("%s: node %d differs: %v+%v vs %v+%v", meth, i, a[i].Tokens, a[i].Rollout, b[i].Tokens, b[i].Rollout)
			}
		}
		if meth == "mcts-q" && len(a[1].Tokens) != 5 {
			t.Fatalf("mcts-q: a confident child has %d tokens, want 1 + 4 extended", len(a[1].Tokens))
		}
		if spent[0]*2 > spent[1] {
			t.Fatalf("%s: %d forward tokens with reuse, %d without: want at most half", meth, spent[0], spent[1])
		}
		t.Logf("%s: %d nodes, forward tokens %d with reuse, %d without", meth, len(a), spent[0], spent[1])
	}
}
