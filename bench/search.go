package bench

import (
	"context"
	"fmt"
	"time"

	"colash/engine/rl"
	"colash/engine/search"
	"colash/model/tokenizer"
)

// Search runs plain MCTS (math500 constants, 16 rounds, 48-token answers) on four story openings
// of the shipped CoLA with prefix reuse (forked caches) and without (every prefix recomputed):
// the same trees, so the ratios are the reuse's worth in forward tokens and in time.
func Search(ctx context.Context) ([]Result, error) {
	m, err := shippedCoLA()
	if err != nil {
		return nil, err
	}
	defer m.Free()
	cfg := search.Math500()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.D = 16, 48, 48, 48
	ex := rl.Example{Answer: "dog"}
	reward := search.TaskReward(rl.ContainsWord{Words: []string{"dog"}}, m.Tok, ex)
	type run struct {
		nodes   int
		forward int64
		secs    float64
	}
	measure := func(reuse bool) (run, error) {
		var r run
		cm := &search.CoLA{M: m.CoLA, TopK: cfg.TopK, Reuse: reuse, Stops: m.Tok.StopTokens()}
		start := time.Now()
		for i, p := range rl.StoryPrompts[:4] {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			ids := m.Tok.Encode(p, tokenizer.EncodeOptions{BOS: true})
			t, err := search.Run(cm, ids, reward, search.Options{Method: "mcts", Config: cfg, Seed: uint64(i)})
			if err != nil {
				return r, err
			}
			r.nodes += t.Stats.Nodes
			r.forward += t.Stats.Forward.Total()
		}
		r.secs = time.Since(start).Seconds()
		return r, nil
	}
	with, err := measure(true)
	if err != nil {
		return nil, err
	}
	without, err := measure(false)
	if err != nil {
		return nil, err
	}
	return []Result{
		{Name: "search: nodes/s, prefix reuse", Value: float64(with.nodes) / with.secs, Unit: "nodes/s",
			Note: fmt.Sprintf("%.2fx the rate without reuse (%.1f nodes/s)", (float64(with.nodes)/with.secs)/(float64(without.nodes)/without.secs), float64(without.nodes)/without.secs)},
		{Name: "search: forward tokens per answer, prefix reuse", Value: float64(with.forward) / 4, Unit: "tokens",
			Note: fmt.Sprintf("%.2fx fewer than without reuse (%.0f)", float64(without.forward)/float64(with.forward), float64(without.forward)/4)},
	}, nil
}
