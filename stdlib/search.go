package colash

import (
	"fmt"
	"time"

	"github.com/charmbracelet/lipgloss/tree"

	"colash/stdlib/backend"
)

// SearchOpts configure m.Search. Zero values take the defaults noted.
type SearchOpts struct {
	Method string                                  // greedy, best-of-n, mcts, mcts-q (default)
	Budget int                                     // forward tokens (0: the rounds bound it)
	Reward func(prompt, completion string) float64 // scores answers (this or RewardModel)
	// RewardModel is a reward model folder (colash recipe's rm stage) that scores answers instead,
	// in batches: math search without the gold answer.
	RewardModel string
	QNet        string // Q-network folder (colash qnet train), for mcts-q
	Config      string // math500 (default: the paper's call) or code-default
	Tokens      int    // cap on an answer's tokens, every method (0: none)
	Rollout     int    // rollout length (0: the configuration's 1024)
	Rounds      int    // selection rounds (0: the configuration's)
	N           int    // best-of-n samples without a budget
	Seed        int
}

// SearchNode is a node of a search tree: the code its edge was expanded with (-1 at the root and
// for samples), visits, backed-up value, rollout reward, and text.
type SearchNode = backend.SearchNode

// SearchStats are a search's costs: forward tokens (backbone + policy + world model + Q-network
// positions computed), nodes, rollouts and time.
type SearchStats struct {
	Forward, Backbone, Policy, World, Q int64
	Nodes, Rollouts, Searches           int
	Time                                time.Duration
}

func (s SearchStats) String() string {
	return fmt.Sprintf("%d forward tokens (backbone %d, policy %d, world %d, Q %d), %d nodes, %d rollouts, %s",
		s.Forward, s.Backbone, s.Policy, s.World, s.Q, s.Nodes, s.Rollouts, s.Time.Round(time.Millisecond))
}

// SearchTree is a finished search: the answer it chose and the tree behind it.
type SearchTree struct {
	Answer string
	Reward float64
	r      *backend.SearchResult
}

// Search answers prompt by searching over the model's latent codes (a CoLA only):
//
//	t := m.Search("Tom went to the park.", colash.SearchOpts{Method: "mcts", Budget: 3000, Tokens: 48,
//		Reward: func(p, c string) float64 { return float64(strings.Count(c, "dog")) }})
//	fmt.Println(t.Answer, t.Stats())
//	t.Print(2)
func (m *Model) Search(prompt string, o SearchOpts) *SearchTree {
	s, ok := m.m.(backend.SearchModel)
	if !ok {
		fail("search", fmt.Errorf("%s is not a CoLA model: search runs over latent codes", m.name))
	}
	r, err := s.Search(backend.Context(), m.m.Encode(prompt, true), backend.SearchOptions{Method: o.Method,
		Config: o.Config, Budget: int64(o.Budget), Reward: o.Reward, RewardModel: o.RewardModel, QNet: o.QNet, AnswerTokens: o.Tokens,
		SimTokens: o.Rollout, Rounds: o.Rounds, N: o.N, Seed: uint64(o.Seed)})
	fail("search", err)
	return &SearchTree{Answer: r.Answer, Reward: r.Reward, r: r}
}

// Nodes lists the tree breadth-first, root first.
func (t *SearchTree) Nodes() []*SearchNode {
	out := []*SearchNode{t.r.Root}
	for i := 0; i < len(out); i++ {
		out = append(out, out[i].Children...)
	}
	return out
}

// Best is the node whose rollout scored highest (nil for a tree without children).
func (t *SearchTree) Best() *SearchNode {
	var b *SearchNode
	for _, n := range t.Nodes()[1:] {
		if b == nil || n.R >= b.R {
			b = n
		}
	}
	return b
}

// Stats are the search's costs.
func (t *SearchTree) Stats() SearchStats {
	r := t.r
	return SearchStats{Forward: r.Backbone + r.Policy + r.World + r.Q, Backbone: r.Backbone, Policy: r.Policy,
		World: r.World, Q: r.Q, Nodes: r.Nodes, Rollouts: r.Rollouts, Searches: r.Searches,
		Time: time.Duration(r.Seconds * float64(time.Second))}
}

// Print draws the tree to depth levels (0: all): code, visits, value, rollout reward and text
// of every node.
func (t *SearchTree) Print(depth int) {
	fmt.Fprintln(backend.Output(), t.render(depth))
}

func (t *SearchTree) render(depth int) string {
	var build func(n *SearchNode, level int) *tree.Tree
	build = func(n *SearchNode, level int) *tree.Tree {
		tr := tree.Root(nodeLabel(n))
		if depth > 0 && level >= depth {
			return tr
		}
		for _, c := range n.Children {
			if len(c.Children) == 0 || (depth > 0 && level+1 >= depth) {
				tr.Child(nodeLabel(c))
			} else {
				tr.Child(build(c, level+1))
			}
		}
		return tr
	}
	return build(t.r.Root, 0).String()
}

func nodeLabel(n *SearchNode) string {
	if n.Code < 0 && n.Text == "" {
		return styles.faint.Render(fmt.Sprintf("root  visits %d  value %.3f", n.Visits, n.Value))
	}
	return fmt.Sprintf("%s %q %s", styles.bar.Render(fmt.Sprintf("code %d", n.Code)), n.Text,
		styles.faint.Render(fmt.Sprintf("visits %d value %.3f R %.3f", n.Visits, n.Value, n.R)))
}

// String is the answer with its reward and cost.
func (t *SearchTree) String() string {
	return fmt.Sprintf("%q  reward %.3f  (%s)", t.Answer, t.Reward, t.Stats())
}
