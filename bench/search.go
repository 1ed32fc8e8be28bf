package bench

import (
	"context"
	"fmt"
	"time"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/engine/search"
	"colash/model/qnet"
	"colash/model/tokenizer"
	"colash/models"
)

// Search measures prefix reuse (searchReuse) and search throughput (searchThroughput, on the
// testbed: 8 held-out cd3 problems, searchConfig).
func Search(ctx context.Context) ([]Result, error) {
	res, err := searchReuse(ctx)
	if err != nil {
		return nil, err
	}
	more, err := searchThroughput(ctx, 8, searchConfig())
	return append(res, more...), err
}

// searchReuse runs plain MCTS (math500 constants, 16 rounds, 48-token answers) on four story
// openings of the shipped CoLA with prefix reuse (forked caches) and without (every prefix
// recomputed): the same trees, so the ratios are the reuse's worth in forward tokens and in time.
func searchReuse(ctx context.Context) ([]Result, error) {
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

// searchConfig is the MCTS of the throughput figures: the paper's Math500 constants on answers
// of 64 tokens (rollouts and depth 64, extensions of 16: the released 64 of D = 256, scaled),
// 12 rounds, one search per problem.
func searchConfig() search.Config {
	cfg := search.Math500()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.D, cfg.ExtendMax = 12, 64, 64, 64, 16
	cfg.Restarts, cfg.CompleteTokens = 0, 0
	return cfg
}

// rolloutCounter counts a model's rollout calls and their rows.
type rolloutCounter struct {
	search.Model
	calls, rows int
}

func (r *rolloutCounter) Rollout(states []search.State, n int, temp float64, seed uint64) ([][]int, error) {
	r.calls++
	r.rows += len(states)
	return r.Model.Rollout(states, n, temp, seed)
}

// searchRun runs method on every problem of w, one at a time (search.Run) or all together
// (search.RunBatch), and returns what it computed with the mean rows of its rollout batches
// (one at a time only: 0 together).
func (w *testbed) searchRun(ctx context.Context, method string, q generate.QModel, cfg search.Config, together bool) (decodeRun, float64, error) {
	var r decodeRun
	cm := &search.CoLA{M: w.m.CoLA, Q: q, TopK: cfg.TopK, Reuse: true, Stops: w.m.Tok.StopTokens()}
	rewards, opts := make([]search.Reward, len(w.prompts)), make([]search.Options, len(w.prompts))
	for i := range w.prompts {
		rewards[i] = search.TaskReward(w.task.Reward, w.m.Tok, w.task.Examples[i])
		opts[i] = search.Options{Method: method, Config: cfg, Seed: uint64(i)}
	}
	counted := &rolloutCounter{Model: cm}
	stop := r.timer()
	var trees []*search.Tree
	if together {
		ts, err := search.RunBatch(cm, w.prompts, rewards, opts)
		if err != nil {
			return r, 0, err
		}
		trees = ts
	} else {
		for i, p := range w.prompts {
			if err := ctx.Err(); err != nil {
				return r, 0, err
			}
			t, err := search.Run(counted, p, rewards[i], opts[i])
			if err != nil {
				return r, 0, err
			}
			trees = append(trees, t)
		}
	}
	stop()
	for _, t := range trees {
		r.forward = r.forward.Plus(t.Stats.Forward)
	}
	return r, float64(counted.rows) / float64(max(counted.calls, 1)), nil
}

// searchThroughput measures forward tokens per second inside MCTS and MCTS-Q on the testbed
// CoLA (the first problems held-out cd3 countdown problems, cfg), with the problems searched
// together (search.RunBatch, as search.Evaluate runs them) and one at a time, against plain
// batched CoLA decode of the same model at the batch the searches' rounds fill together
// (problems x b2 children), in the same run. MCTS-Q's Q-network is a fresh one (the testbed
// backbone under a new value head): only its cost matters here, and its near-zero Q-values make
// every child confident, so that every child extends.
func searchThroughput(ctx context.Context, problems int, cfg search.Config) ([]Result, error) {
	w, err := openTestbed("cd3-test", problems)
	if err != nil {
		return nil, err
	}
	defer w.m.Free()
	_, body, err := shippedModel(models.Testbed)
	if err != nil {
		return nil, err
	}
	q, err := qnet.New(body.Llama, w.m.CoLA.Config.NumCode, 1)
	if err != nil {
		body.Free()
		return nil, err
	}
	defer q.Free()
	B := len(w.prompts) * cfg.B2
	lat := generate.Sampling{Temperature: cfg.Temperature, TopK: cfg.TopK}
	var res []Result
	for _, meth := range []string{"mcts", "mcts-q"} {
		var qm generate.QModel
		if meth == "mcts-q" {
			qm = q
		}
		// Three times each, alternating, for as long each time: both see the machine's load alike.
		var all, d decodeRun
		var once generate.Forward // one run's
		for range 3 {
			r, _, err := w.searchRun(ctx, meth, qm, cfg, true)
			if err != nil {
				return nil, err
			}
			all, once = all.plus(r), r.forward
			if r, err = w.decodeFor(ctx, r.secs, B, cfg.SimTokens, lat); err != nil {
				return nil, err
			}
			d = d.plus(r)
		}
		one, rows, err := w.searchRun(ctx, meth, qm, cfg, false)
		if err != nil {
			return nil, err
		}
		same := "the same forward tokens as one at a time"
		if once != one.forward {
			same = fmt.Sprintf("forward tokens differ from one at a time: %+v, %+v", once, one.forward)
		}
		res = append(res,
			Result{Name: meth + ": forward tok/s, problems together", Value: all.forwardRate(), Unit: "tok/s",
				Note: fmt.Sprintf("%d cd3 problems, %d rounds, %.1fs and %d forward tokens (Q %d) a run, 3 runs; %s", len(w.prompts), cfg.T, all.secs/3, once.Total(), once.Q, same)},
			Result{Name: fmt.Sprintf("%s: batched CoLA decode, batch %d", meth, B), Value: d.forwardRate(), Unit: "tok/s",
				Note: fmt.Sprintf("%d tokens a row, codes at T %g top-k %d, forward tokens counted alike; as long as the search, alternating with it", cfg.SimTokens, cfg.Temperature, cfg.TopK)},
			Result{Name: meth + ": together / decode", Value: all.forwardRate() / d.forwardRate(), Unit: "x", Note: "target >= 0.6"},
			Result{Name: meth + ": cgo calls per forward token, together", Value: all.cgoPerForward(),
				Note: fmt.Sprintf("one at a time %.2f, decode %.2f; tensors per forward token %.2f, %.2f and %.2f", one.cgoPerForward(), d.cgoPerForward(),
					float64(all.tensors)/float64(all.forward.Total()), float64(one.tensors)/float64(one.forward.Total()), float64(d.tensors)/float64(d.forward.Total()))},
			Result{Name: meth + ": forward tok/s, one problem at a time", Value: one.forwardRate(), Unit: "tok/s",
				Note: fmt.Sprintf("%.1fs; rollouts of %.1f rows", one.secs, rows)},
			Result{Name: meth + ": one at a time / decode", Value: one.forwardRate() / d.forwardRate(), Unit: "x", Note: "load average " + LoadAverage()})
	}
	return res, nil
}
