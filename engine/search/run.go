package search

import (
	"fmt"
	"time"
)

// Methods are the search methods Run knows.
var Methods = []string{"greedy", "best-of-n", "mcts", "mcts-q"}

// Options choose a method and its compute.
type Options struct {
	Method string // greedy, best-of-n, mcts, mcts-q
	Config Config
	// Budget bounds the forward tokens of one problem (0: Config.Budget; then T rounds, or N
	// samples, bound it).
	Budget int64
	N      int     // best-of-n: samples when there is no budget
	Batch  int     // best-of-n: samples per batch (default 8)
	Sample float64 // best-of-n: code temperature (default 1, the paper's latent sampling)
	Seed   uint64
}

// Run answers one prompt with a method and returns its tree: for greedy and best-of-N a root
// whose children are the samples, for MCTS the last search's tree. The reward scores answers
// (tokens after prompt) and decides among candidates; Stats.Forward is what the model's
// counter gained.
func Run(m Model, prompt []int, reward Reward, o Options) (*Tree, error) {
	cfg := o.Config
	if o.Budget > 0 {
		cfg.Budget = o.Budget
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start, before := time.Now(), *m.Counter()
	if cfg.Budget > 0 {
		cfg.Budget += before.Total() // the counter's value at which this problem's budget is spent
	}
	t := &Tree{}
	var err error
	switch o.Method {
	case "greedy", "best-of-n":
		err = sample(m, prompt, reward, o, cfg, t)
	case "mcts", "mcts-q":
		err = drive(m, prompt, reward, o.Method == "mcts-q", o.Seed, cfg, t)
	default:
		return nil, fmt.Errorf("search: unknown method %q (have greedy, best-of-n, mcts, mcts-q)", o.Method)
	}
	if err != nil {
		return nil, err
	}
	t.Stats.Forward = m.Counter().Minus(before)
	t.Stats.Time = time.Since(start)
	t.Stats.Nodes = len(t.Nodes())
	return t, nil
}

// sample is greedy (one answer, greedy codes) or best-of-N (sampled codes, the best reward wins;
// batches until N samples, or as long as the budget pays for a whole sample), SimTokens long.
func sample(m Model, prompt []int, reward Reward, o Options, cfg Config, t *Tree) error {
	root, err := m.Root(prompt)
	if err != nil {
		return err
	}
	defer m.Free(root)
	t.Root = &Node{Code: -1}
	n, batch, temp := 1, 1, 0.0
	if o.Method == "best-of-n" {
		n, batch, temp = o.N, o.Batch, o.Sample
		if batch <= 0 {
			batch = 8
		}
		if temp == 0 {
			temp = 1
		}
		if cfg.Budget <= 0 && n <= 0 {
			return fmt.Errorf("search: best-of-n needs N or a budget")
		}
	}
	length := cfg.SimTokens
	if cfg.AnswerTokens > 0 {
		length = min(length, cfg.AnswerTokens)
	}
	b := budget{c: m.Counter(), limit: cfg.Budget}
	for done := 0; cfg.Budget > 0 || done < n; done += batch {
		k := min(batch, n-done)
		if cfg.Budget > 0 {
			// Whole samples only, as many as the budget left pays for: answers keep one length.
			k = b.rows(batch, length, false)
		}
		if k == 0 && done > 0 {
			break
		}
		if k == 0 {
			// Not even one whole sample: one shorter answer rather than none.
			k, length = 1, b.length(1, length, false)
		}
		states := make([]State, k)
		for i := range states {
			states[i] = root
		}
		outs, err := m.Rollout(states, length, temp, o.Seed+uint64(done))
		if err != nil {
			return err
		}
		rs, err := reward(outs)
		if err != nil {
			return err
		}
		for i, out := range outs {
			c := &Node{Parent: t.Root, Code: -1, Tokens: out, Depth: len(out), R: rs[i], Visits: 1, Value: rs[i]}
			c.EOS = len(out) > 0 && m.Stop(out[len(out)-1])
			t.Root.Children = append(t.Root.Children, c)
		}
		t.Stats.Rollouts += k
		if o.Method == "greedy" || length == 0 {
			break // length 0 spends nothing: the budget alone would never stop it
		}
	}
	best := firstBest(t.Root.Children)
	t.Answer, t.Reward = best.Tokens, best.R
	t.Stats.Searches = 1
	return nil
}

// firstBest is the first sample with the highest reward.
func firstBest(ns []*Node) *Node {
	b := ns[0]
	for _, n := range ns[1:] {
		if n.R > b.R {
			b = n
		}
	}
	return b
}
