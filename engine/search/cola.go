package search

import (
	"math"
	"slices"

	"colash/engine/generate"
	"colash/model/cola"
)

// CoLA is a CoLA checkpoint as a search Model: a state is a generate.Branch. With Reuse, a child
// forks its parent's caches (backbone, policy and Q-network) and a rollout stacks the caches of
// its states; without it every new state and rollout recomputes its whole prefix, which is what
// re-tokenising the decoded text, as the released search does, costs.
type CoLA struct {
	M     *cola.Model
	Q     generate.QModel // nil: no Q-network (plain MCTS, baselines)
	TopK  int             // code-sampling top-k (0: all codes)
	Reuse bool
	Stops []int // tokens that end an answer

	count Counter
}

func (c *CoLA) branch(s State) *generate.Branch { return s.(*generate.Branch) }

func (c *CoLA) Root(prompt []int) (State, error) {
	return generate.NewBranch(c.M, c.Q, prompt, &c.count)
}

// Eval is softmax(policy logits) (temperature 1, as get_dynaq) and the Q-values.
func (c *CoLA) Eval(s State) ([]float64, []float64, error) {
	b := c.branch(s)
	l := b.Policy()
	p := make([]float64, len(l))
	m := math.Inf(-1)
	for _, x := range l {
		m = math.Max(m, float64(x))
	}
	z := 0.0
	for i, x := range l {
		p[i] = math.Exp(float64(x) - m)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	var q []float64
	for _, x := range b.QValues() {
		q = append(q, float64(x))
	}
	return p, q, nil
}

func (c *CoLA) Step(s State, codes []int) ([]State, []int, error) {
	calls := make([]stepCall, len(codes))
	for i, code := range codes {
		calls[i] = stepCall{c, s, code}
	}
	return stepAll(calls)
}

// step is Step of one code: the world model's token, and a child that forks s's caches (or, without
// reuse, recomputes its prefix).
func (c *CoLA) step(s State, code int) (State, int, error) {
	b := c.branch(s)
	tok, err := b.Next(code)
	if err != nil {
		return nil, 0, err
	}
	var child *generate.Branch
	if c.Reuse {
		child, err = b.Child(tok)
	} else {
		child, err = generate.NewBranch(c.M, c.Q, append(slices.Clone(b.Tokens), tok), &c.count)
	}
	return child, tok, err
}

// stepCall is one code of a Step call on the model m (a CoLA, or a problem's view of one in
// RunBatch).
type stepCall struct {
	m    *CoLA
	s    State
	code int
}

// stepAll runs steps as one batch where every state forks its caches; each gives what it gives
// alone.
func stepAll(calls []stepCall) ([]State, []int, error) {
	out, toks := make([]State, len(calls)), make([]int, len(calls))
	if len(calls) <= 1 || !calls[0].m.Reuse {
		for i, x := range calls {
			var err error
			if out[i], toks[i], err = x.m.step(x.s, x.code); err != nil {
				return nil, nil, err
			}
		}
		return out, toks, nil
	}
	bs, codes := make([]*generate.Branch, len(calls)), make([]int, len(calls))
	for i, x := range calls {
		bs[i], codes[i] = x.m.branch(x.s), x.code
	}
	children, toks, err := generate.StepAll(bs, codes)
	for i, c := range children {
		out[i] = c
	}
	return out, toks, err
}

func (c *CoLA) latent(temp float64, seed uint64) generate.Sampling {
	return generate.Sampling{Temperature: temp, TopK: c.TopK, Seed: seed}
}

// fresh is s itself with reuse, else s recomputed from its tokens (q: with the Q-network).
func (c *CoLA) fresh(s State, q bool) (*generate.Branch, bool, error) {
	b := c.branch(s)
	if c.Reuse {
		return b, false, nil
	}
	var qm generate.QModel
	if q {
		qm = c.Q
	}
	nb, err := generate.NewBranch(c.M, qm, b.Tokens, &c.count)
	return nb, true, err
}

func (c *CoLA) Extend(states []State, n []int, temp float64, seeds []uint64) ([]State, [][]int, [][]int, error) {
	calls := make([]extendCall, len(states))
	for i, s := range states {
		calls[i] = extendCall{c, s, n[i], temp, seeds[i]}
	}
	out, err := extendAll(calls)
	if err != nil {
		return nil, nil, nil, err
	}
	ends, toks, codes := make([]State, len(out)), make([][]int, len(out)), make([][]int, len(out))
	for i, e := range out {
		ends[i], toks[i], codes[i] = e.Branch, e.Tokens, e.Codes
	}
	return ends, toks, codes, nil
}

func (c *CoLA) Rollout(states []State, n int, temp float64, seed uint64) ([][]int, error) {
	out, err := rolloutAll([]rolloutCall{{c, states, n, temp, seed}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// extendCall is one state of an Extend call on the model m.
type extendCall struct {
	m    *CoLA
	s    State
	n    int
	temp float64
	seed uint64
}

// extendAll runs extensions as one batch; each gives what it gives alone.
func extendAll(calls []extendCall) ([]generate.Extended, error) {
	if len(calls) == 0 {
		return nil, nil
	}
	xs := make([]generate.Extension, len(calls))
	for i, x := range calls {
		b, made, err := x.m.fresh(x.s, true)
		if err != nil {
			return nil, err
		}
		if made {
			defer b.Free()
		}
		xs[i] = generate.Extension{Branch: b, N: x.n, Latent: x.m.latent(x.temp, x.seed)}
	}
	return generate.ExtendAll(xs, calls[0].m.Stops)
}

// rolloutCall is one Rollout call on the model m.
type rolloutCall struct {
	m      *CoLA
	states []State
	n      int
	temp   float64
	seed   uint64
}

// rolloutAll runs Rollout calls as one batch; each gives what it gives alone.
func rolloutAll(calls []rolloutCall) ([][][]int, error) {
	groups := make([]generate.Group, len(calls))
	for i, r := range calls {
		bs := make([]*generate.Branch, len(r.states))
		for j, s := range r.states {
			b, made, err := r.m.fresh(s, false)
			if err != nil {
				return nil, err
			}
			if made {
				defer b.Free()
			}
			bs[j] = b
		}
		groups[i] = generate.Group{Branches: bs, N: r.n, Latent: r.m.latent(r.temp, r.seed)}
	}
	return generate.Rollouts(groups, calls[0].m.Stops)
}

func (c *CoLA) Free(s State)        { c.branch(s).Free() }
func (c *CoLA) Stop(token int) bool { return slices.Contains(c.Stops, token) }
func (c *CoLA) Counter() *Counter   { return &c.count }
