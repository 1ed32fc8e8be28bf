package search

import (
	"colash/engine/generate"
	"math"
)

// child makes n's next child (Node.expand with get_dynaq): the most probable code not tried yet
// at n, the world model's greedy token for it, and, for MCTS-Q, the TD uncertainty
//
//	u = (Q(s,a) - (r + TDGamma * max_a' Q(s',a')))^2
//
// (r = 0 in the .py; the reward at EOS in the .pyc). In the .py a confident child (u below
// Uncertainty, not at EOS) extends by up to ExtendMax sampled-code tokens; in the .pyc a
// confident child is terminal. Without a Q-network (plain MCTS) every child is one token. It
// returns nil when every code has been tried.
func (s *searcher) child(n *Node) (*Node, error) {
	if n.probs == nil {
		probs, q, err := s.m.Eval(n.state)
		if err != nil {
			return nil, err
		}
		n.probs, n.q = append([]float64(nil), probs...), q
	}
	a := generate.Argmax(n.probs)
	if n.probs[a] < 0 {
		return nil, nil
	}
	prob := n.probs[a]
	n.probs[a] = -1 // tried (the released -99999 logit)
	st, tok, err := s.m.Step(n.state, a)
	if err != nil {
		return nil, err
	}
	s.stats.Nodes++
	c := &Node{Parent: n, Code: a, Tokens: []int{tok}, Codes: []int{a}, state: st, EOS: s.m.Stop(tok)}
	c.Depth = n.Depth + 1
	if s.useQ && n.q != nil {
		if err := s.tdRule(n, c, a); err != nil {
			s.m.Free(c.state)
			return nil, err
		}
	}
	c.PolicyProb = prob / float64(len(c.Tokens)) // action_prob / step_count: the first code's
	c.Depth = n.Depth + len(c.Tokens)
	c.Terminal = c.Terminal || c.EOS || c.Depth >= s.cfg.D || s.room(c, 1) == 0
	return c, nil
}

// tdRule measures the child's TD uncertainty and applies the variant's rule to it.
func (s *searcher) tdRule(n, c *Node, a int) error {
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
	d := n.q[a] - (r + s.cfg.TDGamma*maxOf(q2))
	c.Uncertain = d * d
	if s.cfg.Variant == "pyc" {
		c.Terminal = c.Uncertain < s.cfg.PycUncertainty
		return nil
	}
	if c.Uncertain >= s.cfg.Uncertainty || c.EOS {
		return nil
	}
	end, toks, codes, err := s.m.Extend(c.state, s.room(c, s.cfg.ExtendMax), s.cfg.Temperature, s.seed^0xE7+uint64(s.stats.Nodes))
	if err != nil {
		return err
	}
	s.m.Free(c.state)
	c.state, c.probs, c.q = end, nil, nil
	c.Tokens = append(c.Tokens, toks...)
	c.Codes = append(c.Codes, codes...)
	c.EOS = len(toks) > 0 && s.m.Stop(toks[len(toks)-1])
	return nil
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
