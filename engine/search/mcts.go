package search

import (
	"fmt"
	"math"
)

// searcher runs one search (mcts_utils.MCTS.search) from a prompt.
type searcher struct {
	cfg   Config
	m     Model
	score func(nodes []*Node) ([]float64, error) // rewards of the nodes' answers
	useQ  bool                                   // MCTS-Q: the TD rule; plain MCTS: single-token children
	seed  uint64
	b     budget
	stats *Stats
	fixed int // answer tokens fixed by earlier searches (the driver's restarts)
}

// search grows a tree from the state of the prompt for at most T rounds. It stops early when
// selection finds no candidate, when the budget cannot pay for one more child, or when a round's last expansion
// reached EOS (the released `if terminal: break`). eos reports that last case.
func (s *searcher) search(root *Node) (eos bool, err error) {
	for round := 0; round < s.cfg.T; round++ {
		if s.spent() {
			return false, nil
		}
		n := s.selectNode(root)
		if n == nil {
			return false, nil
		}
		s.stats.Rounds++
		if eos, err = s.expand(n); err != nil || eos {
			return eos, err
		}
	}
	return false, nil
}

// spent reports a budget that cannot pay for one more child (a token of the world model and
// the fed positions after it).
func (s *searcher) spent() bool { return s.b.rows(1, 1, true) == 0 }

// selectNode scores every non-terminal node of the tree with room for another child (a
// breadth-first sweep, not a root-to-leaf descent) by
//
//	PUCT = value + cpuct * policy_prob * sqrt(N_parent) / (N_node + 1)
//
// (the root uses its own visits as N_parent) and returns the first argmax among nodes no
// shallower than the deepest node minus DepthWindow; nil when there is none.
func (s *searcher) selectNode(root *Node) *Node {
	nodes := bfs(root)
	maxDepth := 0
	for _, n := range nodes {
		maxDepth = max(maxDepth, n.Depth)
	}
	var pick *Node
	bestScore := math.Inf(-1)
	for _, n := range nodes {
		if n.Terminal || len(n.Children) >= s.cfg.breadth(n) || n.exhausted() {
			continue
		}
		if p := s.puct(n); p > bestScore && n.Depth >= maxDepth-s.cfg.DepthWindow {
			pick, bestScore = n, p
		}
	}
	return pick
}

func (s *searcher) puct(n *Node) float64 {
	parentVisits := n.Visits
	if n.Parent != nil {
		parentVisits = n.Parent.Visits
	}
	return n.Value + s.cfg.CPUCT*n.PolicyProb*math.Sqrt(float64(parentVisits))/float64(n.Visits+1)
}

// exhausted reports a node whose every code has been tried.
func (n *Node) exhausted() bool {
	if n.probs == nil {
		return false
	}
	for _, p := range n.probs {
		if p >= 0 {
			return false
		}
	}
	return true
}

// expand gives n children until it has its breadth or MaxTries calls were made, simulates
// them as one batch and backs each up in order. It returns whether the last child reached
// EOS. Expansion order depends on the policy alone, so making the children together and
// batching the simulations after all expansions backs up the same values as the released
// one-child-at-a-time loop.
func (s *searcher) expand(n *Node) (eos bool, err error) {
	kids, err := s.children(n, min(s.cfg.breadth(n)-len(n.Children), s.cfg.MaxTries))
	if err != nil {
		return false, err
	}
	n.Children = append(n.Children, kids...)
	if len(kids) == 0 {
		return false, nil
	}
	if err := s.simulate(kids); err != nil {
		return false, err
	}
	for _, c := range kids {
		backup(c, s.cfg.Gamma)
	}
	return kids[len(kids)-1].EOS, nil
}

// simulate rolls out every child that has not reached EOS by up to SimTokens tokens in one
// batch and sets R to the reward of each child's answer; an EOS child's answer is its path.
func (s *searcher) simulate(kids []*Node) error {
	var live []*Node
	var states []State
	for _, c := range kids {
		if !c.EOS && !c.scored {
			live = append(live, c)
			states = append(states, c.state)
		}
	}
	if len(live) > 0 {
		n := 0
		for _, c := range live {
			n = max(n, s.room(c, s.cfg.SimTokens))
		}
		n = s.b.length(len(live), n, false) // the last round's rollouts end where the budget does
		outs, err := s.m.Rollout(states, n, s.cfg.Temperature, s.seed+uint64(s.stats.Rollouts))
		if err != nil {
			return err
		}
		for i, c := range live {
			c.Rollout = outs[i][:min(len(outs[i]), s.room(c, n))]
		}
		s.stats.Rollouts += len(live)
	}
	var todo []*Node
	for _, c := range kids {
		if !c.scored {
			todo = append(todo, c)
		}
	}
	rs, err := s.score(todo)
	if err != nil {
		return err
	}
	for i, c := range todo {
		c.R, c.scored = rs[i], true
	}
	return nil
}

// room is how many tokens may follow node c: n, or less under AnswerTokens.
func (s *searcher) room(c *Node, n int) int {
	if s.cfg.AnswerTokens > 0 {
		n = min(n, s.cfg.AnswerTokens-s.fixed-c.Depth)
	}
	return max(n, 0)
}

// backup updates n and its ancestors (Node.backup): visits += 1; a node with children takes
// q(a) = (R_c - R_self) + gamma * value_c for each child and value = sum q*N_c / sum N_c (left
// unchanged when that sum is 0, as `if nume and deno` does); a leaf's value is its R.
func backup(n *Node, gamma float64) {
	for ; n != nil; n = n.Parent {
		n.Visits++
		if len(n.Children) == 0 {
			n.Value = n.R
			continue
		}
		if n.Q == nil {
			n.Q = map[int]float64{}
		}
		num, den := 0.0, 0.0
		for _, c := range n.Children {
			q := (c.R - n.R) + gamma*c.Value
			n.Q[c.Code] = q
			num += q * float64(c.Visits)
			den += float64(c.Visits)
		}
		if num != 0 && den != 0 {
			n.Value = num / den
		}
	}
}

// release frees the states of a tree.
func release(m Model, root *Node) {
	for _, n := range bfs(root) {
		if n.state != nil {
			m.Free(n.state)
			n.state = nil
		}
	}
}

func (s *searcher) check() error {
	if s.useQ && s.cfg.Uncertainty <= 0 && s.cfg.Variant == "py" {
		return fmt.Errorf("search: MCTS-Q needs a positive uncertainty threshold")
	}
	return s.cfg.Validate()
}
