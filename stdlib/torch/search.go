package torch

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"colash/engine/search"
	"colash/model/checkpoint"
	"colash/model/qnet"
	"colash/stdlib/backend"
)

var qnets = struct {
	sync.Mutex
	m map[string]*qnet.QNet
}{m: map[string]*qnet.QNet{}}

// qnetAt loads a Q-network once per folder, on the model's device and dtype.
func (m *CoLA) qnetAt(dir string) (*qnet.QNet, error) {
	qnets.Lock()
	defer qnets.Unlock()
	if q, ok := qnets.m[dir]; ok {
		return q, nil
	}
	q, err := qnet.Load(dir, checkpoint.Options{Device: m.m.Device(), DType: m.m.DType()})
	if err != nil {
		return nil, err
	}
	if q.Codes != m.m.CoLA.Config.NumCode {
		q.Free()
		return nil, fmt.Errorf("Q-network %s has %d codes, the model %d", dir, q.Codes, m.m.CoLA.Config.NumCode)
	}
	qnets.m[dir] = q
	return q, nil
}

func (m *CoLA) Search(ctx context.Context, prompt []int, o backend.SearchOptions) (*backend.SearchResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o.Reward == nil {
		return nil, fmt.Errorf("search: a Reward is required")
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
	reward := func(answers [][]int) ([]float64, error) {
		out := make([]float64, len(answers))
		for i, a := range answers {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out[i] = o.Reward(text, m.m.Tok.Decode(a))
		}
		return out, nil
	}
	t, err := search.Run(cm, prompt, reward, search.Options{Method: method, Config: cfg, Budget: o.Budget, N: o.N, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	f := t.Stats.Forward
	return &backend.SearchResult{Root: m.node(t.Root), Answer: m.m.Tok.Decode(t.Answer), Reward: t.Reward,
		Backbone: f.Backbone, Policy: f.Policy, World: f.World, Q: f.Q, Nodes: t.Stats.Nodes,
		Rollouts: t.Stats.Rollouts, Searches: t.Stats.Searches, Seconds: t.Stats.Time.Seconds()}, nil
}

func (m *CoLA) node(n *search.Node) *backend.SearchNode {
	out := &backend.SearchNode{Code: n.Code, Visits: n.Visits, Value: n.Value, R: n.R, EOS: n.EOS,
		Text: m.m.Tok.Decode(n.Tokens), Rollout: m.m.Tok.Decode(n.Rollout)}
	for _, c := range n.Children {
		out.Children = append(out.Children, m.node(c))
	}
	return out
}
