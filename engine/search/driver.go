package search

// drive is the released driver around search: search from the prompt; while the best answer
// (the rollout with the highest reward) has not reached EOS, search again from that partial text
// (Restarts more times at most); then complete it with up to CompleteTokens tokens of normal
// generation. The budget, when set, covers all of it (budget.go).
func drive(m Model, prompt []int, reward Reward, useQ bool, seed uint64, cfg Config, t *Tree) error {
	var base []int // answer tokens fixed by earlier searches
	score := func(nodes []*Node) ([]float64, error) {
		answers := make([][]int, len(nodes))
		for i, n := range nodes {
			answers[i] = append(append([]int(nil), base...), n.Answer()...)
		}
		return reward(answers)
	}
	b := budget{c: m.Counter(), limit: cfg.Budget, q: useQ}
	s := &searcher{cfg: cfg, m: m, score: score, useQ: useQ, seed: seed, b: b, stats: &t.Stats}
	if err := s.check(); err != nil {
		return err
	}
	done := false
	for attempt := 0; attempt <= cfg.Restarts && !done; attempt++ {
		if attempt > 0 && !b.pays(len(prompt)+len(base)) {
			break // a restart recomputes prompt + answer so far: not worth starting without a child after it
		}
		st, err := m.Root(append(append([]int(nil), prompt...), base...))
		if err != nil {
			return err
		}
		root := &Node{Code: -1, PolicyProb: cfg.RootPrior, state: st}
		t.Stats.Searches++
		_, err = s.search(root)
		if t.Root != nil {
			release(m, t.Root)
		}
		t.Root = root
		if err != nil {
			release(m, root)
			return err
		}
		b := best(root)
		if b == nil {
			break
		}
		base = append(base, b.Answer()...)
		t.Answer, t.Reward = base, b.R
		done = len(base) > 0 && m.Stop(base[len(base)-1]) || cfg.AnswerTokens > 0 && len(base) >= cfg.AnswerTokens
		s.fixed = len(base)
	}
	release(m, t.Root)
	if done || cfg.CompleteTokens <= 0 || !b.pays(len(prompt)+len(base)) {
		return nil
	}
	return complete(m, prompt, base, reward, cfg, seed, b, t)
}

// complete finishes a partial answer with normal generation, as long as the budget left after
// recomputing prompt + answer pays for, and rescores it.
func complete(m Model, prompt, base []int, reward Reward, cfg Config, seed uint64, b budget, t *Tree) error {
	st, err := m.Root(append(append([]int(nil), prompt...), base...))
	if err != nil {
		return err
	}
	defer m.Free(st)
	n := b.length(1, cfg.CompleteTokens, true)
	ends, toks, _, err := m.Extend([]State{st}, []int{n}, cfg.Temperature, []uint64{seed ^ 0xC0})
	if err != nil {
		return err
	}
	m.Free(ends[0])
	t.Answer = append(base, toks[0]...)
	rs, err := reward([][]int{t.Answer})
	if err != nil {
		return err
	}
	t.Reward = rs[0]
	return nil
}
