package search

import (
	"math"
	"slices"

	"colash/engine/generate"
)

// children makes up to k more children of n as the released expansion (Node.expand with
// get_dynaq) makes them, in tries of one code each, MaxTries at most, each model call for them one
// batch: the most probable codes not tried yet at n, in that order, the world model's greedy token
// for each, and, for MCTS-Q, the TD uncertainty of each
//
//	u = (Q(s,a) - (r + TDGamma * max_a' Q(s',a')))^2
//
// (r = 0 in the .py; the reward at EOS in the .pyc). In the .py a confident child (u below
// Uncertainty, not at EOS) extends by up to ExtendMax sampled-code tokens; in the .pyc a
// confident child is terminal. Without a Q-network (plain MCTS) every child is one token. Fewer
// children, or none, once every code has been tried.
//
// With Distinct, a code whose token a child of n already has is a failed try: the state it
// reaches is that child's (the backbone reads tokens, not codes), so it adds its probability to
// that child's prior instead of a second rollout of the same state.
func (s *searcher) children(n *Node, k int) ([]*Node, error) {
	if s.b.rows(k, 1, true) == 0 {
		return nil, nil
	}
	if n.probs == nil {
		probs, q, err := s.m.Eval(n.state)
		if err != nil {
			return nil, err
		}
		n.probs, n.q = append([]float64(nil), probs...), q
	}
	var kids []*Node
	var seeds []uint64 // an extension's seed: the node count once its child was made
	for tries := 0; len(kids) < k && tries < s.cfg.MaxTries; {
		codes, probs := n.untried(s.b.rows(min(k-len(kids), s.cfg.MaxTries-tries), 1, true)) // a try is a world-model step and a fed token
		if len(codes) == 0 {
			break
		}
		tries += len(codes)
		states, toks, err := s.m.Step(n.state, codes)
		if err != nil {
			s.free(kids)
			return nil, err
		}
		for i, a := range codes {
			if twin := s.twin(n, kids, toks[i]); twin != nil {
				s.m.Free(states[i])
				twin.prior += probs[i]
				twin.PolicyProb = twin.prior / float64(len(twin.Tokens))
				s.stats.Merged++
				continue
			}
			s.stats.Nodes++
			seeds = append(seeds, s.seed^0xE7+uint64(s.stats.Nodes))
			kids = append(kids, &Node{Parent: n, Code: a, Tokens: []int{toks[i]}, Codes: []int{a}, state: states[i], EOS: s.m.Stop(toks[i]), Depth: n.Depth + 1, prior: probs[i]})
		}
		if !s.cfg.Distinct {
			break // the released expansion: every try makes a child
		}
	}
	if s.useQ && n.q != nil && len(kids) > 0 {
		if err := s.tdRule(n, kids, seeds); err != nil {
			s.free(kids)
			return nil, err
		}
	}
	for _, c := range kids {
		c.PolicyProb = c.prior / float64(len(c.Tokens)) // action_prob / step_count
		c.Depth = n.Depth + len(c.Tokens)
		c.Terminal = c.Terminal || c.EOS || c.Depth >= s.cfg.D || s.room(c, 1) == 0
	}
	return kids, nil
}

// untried takes up to k of the codes not tried at n, most probable first, and marks them tried
// (the released -99999 logit).
func (n *Node) untried(k int) (codes []int, probs []float64) {
	for len(codes) < k {
		a := generate.Argmax(n.probs)
		if n.probs[a] < 0 {
			break
		}
		codes, probs = append(codes, a), append(probs, n.probs[a])
		n.probs[a] = -1
	}
	return codes, probs
}

// twin is, with Distinct, the child of n (made before, or among kids) whose first token is tok.
func (s *searcher) twin(n *Node, kids []*Node, tok int) *Node {
	if !s.cfg.Distinct {
		return nil
	}
	for _, c := range slices.Concat(n.Children, kids) {
		if c.Tokens[0] == tok {
			return c
		}
	}
	return nil
}

func (s *searcher) free(kids []*Node) {
	for _, c := range kids {
		s.m.Free(c.state)
	}
}

// tdRule measures each child's TD uncertainty and applies the variant's rule to it; the
// confident children of the .py extend as one batch, child i seeded with seeds[i].
func (s *searcher) tdRule(n *Node, kids []*Node, seeds []uint64) error {
	var ext []*Node
	var states []State
	var room []int
	var extSeeds []uint64
	for i, c := range kids {
		probs, q2, err := s.m.Eval(c.state)
		if err != nil {
			return err
		}
		c.probs, c.q = append([]float64(nil), probs...), q2
		r := 0.0
		if s.cfg.Variant == "pyc" && c.EOS {
			rs, err := s.score([]*Node{c})
			if err != nil {
				return err
			}
			r, c.R, c.scored = rs[0], rs[0], true
		}
		d := n.q[c.Code] - (r + s.cfg.TDGamma*maxOf(q2))
		c.Uncertain = d * d
		threshold := s.cfg.Uncertainty
		if s.cfg.Variant == "pyc" {
			threshold = s.cfg.PycUncertainty
		}
		confident := c.Uncertain < threshold
		s.stats.Judged++
		if confident {
			s.stats.Confident++
		}
		if s.cfg.Variant == "pyc" {
			c.Terminal = confident
			continue
		}
		if !confident || c.EOS {
			continue
		}
		ext, states = append(ext, c), append(states, c.state)
		room, extSeeds = append(room, s.room(c, s.cfg.ExtendMax)), append(extSeeds, seeds[i])
	}
	if len(ext) == 0 {
		return nil
	}
	most := s.b.length(len(ext), s.cfg.ExtendMax, true) // the budget shortens the last extensions
	for i := range room {
		room[i] = min(room[i], most)
	}
	ends, toks, codes, err := s.m.Extend(states, room, s.cfg.Temperature, extSeeds)
	if err != nil {
		return err
	}
	for i, c := range ext {
		s.m.Free(c.state)
		c.state, c.probs, c.q = ends[i], nil, nil
		c.Tokens = append(c.Tokens, toks[i]...)
		c.Codes = append(c.Codes, codes[i]...)
		c.EOS = len(toks[i]) > 0 && s.m.Stop(toks[i][len(toks[i])-1])
	}
	return nil
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
