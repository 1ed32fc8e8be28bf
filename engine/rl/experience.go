package rl

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
	"colash/model/tokenizer"
)

// Batch is one step's experience.
type Batch struct {
	*Rollout
	Examples    []Example // per row
	Completions []string
	Scores      Scores
	Baseline    []float64   // ReMax: greedy reward per row
	Values      [][]float64 // PPO
	Adv, Ret    [][]float64
	RolloutTime time.Duration // generation and scoring
	Times       Times
	// Multi-turn (Turns > 1): rows are tries; Episode gives each row's episode, and Scores
	// holds one return per episode (Group consecutive episodes a prompt) instead of one per row.
	Episode []int
	Turns   float64 // mean tries per episode
}

// Times is where a step's time went.
type Times struct {
	Generate  time.Duration // rollouts (greedy baselines included)
	Score     time.Duration // rewards
	Reference time.Duration // the reference policy's log-probs (and the rollout policy's, PPO's values)
	Update    time.Duration // the policy update
}

// clock starts timing and returns what adds the time since to d: defer clock(&d)().
func clock(d *time.Duration) func() {
	start := time.Now()
	return func() { *d += time.Since(start) }
}

// Experience rolls out the step's prompts (or plays its episodes, Turns > 1), scores them and
// computes advantages.
func (t *Trainer) Experience(ctx context.Context, step int) (*Batch, error) {
	c := t.Cfg
	start := time.Now()
	t.times = Times{}
	exs := t.batchExamples(step)
	var b *Batch
	var err error
	if t.Task.Env != nil { // NewTrainer asks it for 2 turns or more
		b, err = t.envEpisodes(ctx, exs, step)
	} else if c.Turns > 1 {
		b, err = t.episodes(ctx, exs, step)
	} else {
		b, err = t.singleTurn(ctx, exs, step)
	}
	if err != nil {
		return nil, err
	}
	b.RolloutTime = time.Since(start)
	r := b.Rollout
	prompts := r.Prompts

	// Reference (and, for the token actor, rollout) log-probs and PPO values, without grad.
	needOld := r.LogProbs == nil
	stop := clock(&t.times.Reference)
	ref, old, vals, err := t.actionStats(r, b.Episode, needOld)
	stop()
	if err != nil {
		return nil, err
	}
	r.Ref = ref
	if needOld {
		r.LogProbs = old
	}
	if c.Algo == PPO {
		b.Values = vals
	}

	rowEx := b.Examples
	if c.Algo == ReMax {
		var gp [][]int
		for i := 0; i < len(prompts); i += c.Group {
			gp = append(gp, prompts[i])
		}
		gr, err := t.generate(ctx, gp, t.StepSeed(step), true)
		if err != nil {
			return nil, fmt.Errorf("greedy rollout: %w", err)
		}
		gc := t.decode(gr)
		var gex []Example
		for i := 0; i < len(prompts); i += c.Group {
			gex = append(gex, rowEx[i])
		}
		gs, err := t.score(gex, gc)
		if err != nil {
			return nil, err
		}
		for i := range prompts {
			b.Baseline = append(b.Baseline, gs.Values[i/c.Group])
		}
	}
	klCoef := t.KLC.Coef
	if c.KLInLoss {
		klCoef = 0
	}
	ac := AdvantageConfig{Algo: c.Algo, Group: c.Group, Gamma: c.Gamma, Lambda: c.Lambda, KLCoef: klCoef, KL: c.KL, Whiten: c.Whiten,
		Center: !c.ScaleRewards}
	if b.Episode != nil {
		b.Adv, b.Ret, err = episodeAdvantages(ac, b)
	} else {
		b.Adv, b.Ret, err = Advantages(ac, b.Scores.Values, b.Baseline, r.LogProbs, r.Ref, b.Values)
	}
	b.Times = t.times
	return b, err
}

// singleTurn samples Group completions of each prompt and scores them.
func (t *Trainer) singleTurn(ctx context.Context, exs []Example, step int) (*Batch, error) {
	var prompts [][]int
	var rowEx []Example
	for _, ex := range exs {
		ids := t.Tok.Encode(ex.Prompt, tokenizer.EncodeOptions{BOS: true})
		for g := 0; g < t.Cfg.Group; g++ {
			prompts = append(prompts, ids)
			rowEx = append(rowEx, ex)
		}
	}
	r, err := t.generate(ctx, prompts, t.StepSeed(step), false)
	if err != nil {
		return nil, fmt.Errorf("rollout: %w", err)
	}
	b := &Batch{Rollout: r, Examples: rowEx, Completions: t.decode(r)}
	b.Scores, err = t.score(rowEx, b.Completions)
	return b, err
}

// decode turns completions into text, without a final stop token.
func (t *Trainer) decode(r *Rollout) []string {
	stop := map[int]bool{}
	for _, s := range t.Actor.Stop() {
		stop[s] = true
	}
	out := make([]string, len(r.Tokens))
	for i, toks := range r.Tokens {
		if n := len(toks); n > 0 && stop[toks[n-1]] {
			toks = toks[:n-1]
		}
		out[i] = t.Tok.Decode(toks)
	}
	return out
}

// actionValues recomputes, without grad, the log-prob of each action of in's rows (and, when
// not ref and PPO, the value at each action slot).
func (t *Trainer) actionValues(in *Layout, ref bool) (logp, values [][]float64, err error) {
	var lp, vals []float32
	err = tensor.Guard(func() {
		tensor.NoGrad(func() {
			s := &tensor.Scope{}
			defer s.Close()
			l, _, h := t.forward(in, ref, false, s)
			lp = tensor.Float32s(l)
			if !ref && t.value != nil {
				vals = tensor.Float32s(t.values(h, s))
			}
		})
	})
	if err != nil {
		return nil, nil, err
	}
	logp = perSlot(in, lp)
	if vals != nil {
		values = perSlot(in, vals)
	}
	return logp, values, nil
}

// tokenLogProber is an actor whose loss may read the log-prob of the token each action made,
// its actions summed out, instead of the action's own (CoLAActor with Marginal set).
type tokenLogProber interface {
	ScoresTokens() bool
	// TokenLogProbs is log p(in.Targets) [B,L] from the action logits [B,L,K] and the hidden
	// state [B,L,d] forward computed; it belongs to s.
	TokenLogProbs(in *Layout, logits, h *ts.Tensor, s *tensor.Scope) *ts.Tensor
}

// forward runs the actor over in and returns the log-prob [B,L] of each slot's action (of its
// token, for an actor that scores tokens; with grad through the trainable weights when grad is
// set), the entropy of the action distribution [B,L] and the backbone's hidden state [B,L,d]; all
// belong to s. Inside tensor.Guard.
func (t *Trainer) forward(in *Layout, ref, grad bool, s *tensor.Scope) (logp, entropy, h *ts.Tensor) {
	logits, h, err := t.Actor.Logits(in, ref, grad)
	if err != nil {
		panic(err)
	}
	s.T(logits)
	s.T(h)
	acts := s.T(tensor.FromInt64s(in.Actions, []int64{int64(in.B), int64(in.L)}, t.Actor.Device()))
	logp, entropy = actionLogProbs(logits, acts, t.Actor.Tau(), s)
	if tl, ok := t.Actor.(tokenLogProber); ok && tl.ScoresTokens() {
		logp = tl.TokenLogProbs(in, logits, h, s)
	}
	return logp, entropy, h
}

// values applies the value head to h [B,L,d] (detached: the value loss trains the head only),
// giving [B,L].
func (t *Trainer) values(h *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	v := s.T(t.value.Forward(s.T(h.MustDetach(false)))) // [B,L,1], float32 as the head
	return s.T(v.MustSqueezeDim(-1, false))
}

// perSlot reads a [B,L] tensor's values at each laid-out rollout row's action slots.
func perSlot(in *Layout, flat []float32) [][]float64 {
	out := make([][]float64, len(in.Slots))
	for k, slots := range in.Slots {
		out[k] = make([]float64, len(slots))
		for j, x := range slots {
			out[k][j] = float64(flat[x])
		}
	}
	return out
}

// spread lays per-action values out as a [B*L] slice over in's slots.
func spread(in *Layout, rows []int, v [][]float64) []float32 {
	out := make([]float32, in.B*in.L)
	for k, i := range rows {
		for j, x := range in.Slots[k] {
			out[x] = float32(v[i][j])
		}
	}
	return out
}

// span is the row indices lo, lo+1, ..., hi-1.
func span(lo, hi int) []int {
	out := make([]int, hi-lo)
	for k := range out {
		out[k] = lo + k
	}
	return out
}

// chunks cuts rows into parts of size rows (all of them in one part when size <= 0; no part
// when there are none): the micro-batches of a pass.
func chunks[T any](rows []T, size int) [][]T {
	if size <= 0 {
		size = max(len(rows), 1)
	}
	return slices.Collect(slices.Chunk(rows, size))
}
