package torch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"colash/engine/rm"
	"colash/engine/search"
	"colash/model/checkpoint"
	"colash/model/qnet"
	"colash/stdlib/backend"
)

// cached holds what scripts load by folder (Q-networks, reward models): loaded once, then kept
// for the session.
type cached[T any] struct {
	sync.Mutex
	m map[string]T
}

func (c *cached[T]) get(dir string, load func() (T, error)) (T, error) {
	c.Lock()
	defer c.Unlock()
	if v, ok := c.m[dir]; ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		c.m[dir] = v
	}
	return v, err
}

var (
	qnets = cached[*qnet.QNet]{m: map[string]*qnet.QNet{}}
	rms   = cached[*rm.Model]{m: map[string]*rm.Model{}}
)

// qnetAt loads a Q-network once per folder, on the model's device and dtype.
func (m *CoLA) qnetAt(dir string) (*qnet.QNet, error) {
	return qnets.get(dir, func() (*qnet.QNet, error) { return search.LoadQNet(dir, m.m) })
}

// rmAt loads a reward model once per folder, on the model's device and dtype.
func (m *CoLA) rmAt(dir string) (*rm.Model, error) {
	return rms.get(dir, func() (*rm.Model, error) {
		r, _, err := rm.Load(dir, checkpoint.Options{Device: m.m.Device(), DType: m.m.DType()})
		return r, err
	})
}

func (m *CoLA) Search(ctx context.Context, prompt []int, o backend.SearchOptions) (*backend.SearchResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if (o.Reward == nil) == (o.RewardModel == "") {
		return nil, fmt.Errorf("search: give a Reward function or a RewardModel folder (one of them)")
	}
	cfg, err := search.Named(cmp.Or(o.Config, "math500"))
	if err != nil {
		return nil, err
	}
	for _, p := range [][2]*int{{&cfg.AnswerTokens, &o.AnswerTokens}, {&cfg.SimTokens, &o.SimTokens}, {&cfg.T, &o.Rounds}} {
		if *p[1] > 0 {
			*p[0] = *p[1]
		}
	}
	if cfg.AnswerTokens > 0 {
		cfg.D = min(cfg.D, cfg.AnswerTokens)
	}
	method := cmp.Or(o.Method, "mcts-q")
	cm := &search.CoLA{M: m.m.CoLA, TopK: cfg.TopK, Reuse: !o.NoReuse, Stops: m.m.Tok.StopTokens()}
	if method == "mcts-q" {
		if o.QNet == "" {
			return nil, fmt.Errorf("search: mcts-q needs QNet, a Q-network folder (colash qnet train)")
		}
		q, err := m.qnetAt(o.QNet)
		if err != nil {
			return nil, err
		}
		cm.Q = q
	}
	text := m.m.Tok.Decode(prompt)
	score := func(texts []string) ([]float64, error) {
		out := make([]float64, len(texts))
		for i, c := range texts {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out[i] = o.Reward(text, c)
		}
		return out, nil
	}
	if o.RewardModel != "" {
		r, err := m.rmAt(o.RewardModel)
		if err != nil {
			return nil, err
		}
		score = func(texts []string) ([]float64, error) {
			return r.Score(slices.Repeat([]string{text}, len(texts)), texts, 64)
		}
	}
	reward := func(answers [][]int) ([]float64, error) {
		texts := make([]string, len(answers))
		for i, a := range answers {
			texts[i] = m.after(prompt, a)
		}
		return score(texts)
	}
	t, err := search.Run(cm, prompt, reward, search.Options{Method: method, Config: cfg, Budget: o.Budget, N: o.N, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	f := t.Stats.Forward
	return &backend.SearchResult{Root: m.node(prompt, t.Root), Answer: m.after(prompt, t.Answer), Reward: t.Reward,
		Backbone: f.Backbone, Policy: f.Policy, World: f.World, Q: f.Q, Nodes: t.Stats.Nodes,
		Rollouts: t.Stats.Rollouts, Searches: t.Stats.Searches, Seconds: t.Stats.Time.Seconds()}, nil
}

// node converts n, whose tokens follow prefix, and its children.
func (m *CoLA) node(prefix []int, n *search.Node) *backend.SearchNode {
	path := append(slices.Clip(prefix), n.Tokens...)
	out := &backend.SearchNode{Code: n.Code, Visits: n.Visits, Value: n.Value, R: n.R, EOS: n.EOS,
		Text: m.after(prefix, n.Tokens), Rollout: m.after(path, n.Rollout)}
	for _, c := range n.Children {
		out.Children = append(out.Children, m.node(path, c))
	}
	return out
}

// after is the text ids add after prefix, its leading space kept (decoding ids alone drops
// the space a text starts with).
func (m *CoLA) after(prefix, ids []int) string {
	if len(ids) == 0 {
		return ""
	}
	head, whole := m.m.Tok.Decode(prefix), m.m.Tok.Decode(append(slices.Clip(prefix), ids...))
	if rest, ok := strings.CutPrefix(whole, head); ok {
		return rest
	}
	return m.m.Tok.Decode(ids)
}
