package rl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/train/optim"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// Config is one RL run. Defaults (DefaultConfig) follow the released math GRPO recipe where it
// applies (clip 0.2, gamma 1, lambda 0.95, k1 KL in the reward, whitening, grad clip 1,
// Adam betas 0.9/0.95), with a learning rate and KL suited to small models.
type Config struct {
	Algo      Algo
	Steps     int // rollout + update rounds
	Prompts   int // prompts per step
	Group     int // samples per prompt
	MaxTokens int // completion length limit

	LR, MinLR   float64 // cosine from LR to MinLR after Warmup steps
	Warmup      int
	WeightDecay float64
	Beta1       float64
	Beta2       float64
	GradClip    float64 // global grad-norm clip (0: none)

	Epochs      int     // passes over each rollout batch
	MiniBatches int     // optimiser steps per pass
	MicroBatch  int     // rows per forward/backward (0: the mini-batch)
	ClipEps     float64 // PPO ratio clip

	KLCoef    float64     // initial KL coefficient
	KLTarget  float64     // > 0: adaptive coefficient towards this per-sequence KL
	KLHorizon float64     // adaptive controller horizon, in samples
	KL        KLEstimator // k1 or k3
	KLInLoss  bool        // KL as a loss term (k3, with grad) instead of a reward penalty

	Gamma, Lambda float64
	Whiten        bool

	ValueLRScale float64 // PPO value head: learning-rate multiple
	VFCoef       float64 // value loss weight
	ValueClip    float64

	Seed    uint64
	Workers int // reward goroutines
}

// DefaultConfig is GRPO with the released recipe's estimator settings.
func DefaultConfig() Config {
	return Config{Algo: GRPO, Steps: 100, Prompts: 8, Group: 8, MaxTokens: 32,
		LR: 1e-4, MinLR: 1e-5, Warmup: 0, WeightDecay: 0, Beta1: 0.9, Beta2: 0.95, GradClip: 1,
		Epochs: 1, MiniBatches: 1, ClipEps: 0.2,
		KLCoef: 0.001, KL: K1, Gamma: 1, Lambda: 0.95, Whiten: true,
		ValueLRScale: 10, VFCoef: 0.5, ValueClip: 0.2, Workers: 8}
}

// Task is a set of prompts and the reward of their completions.
type Task struct {
	Name     string
	Examples []Example
	Reward   Reward
}

// Metrics is one step's log line, named as TRL users expect.
type Metrics map[string]any

// Trainer runs PPO-style RL of an Actor on a Task.
type Trainer struct {
	Cfg   Config
	Actor Actor
	Tok   tokenizer.Tokenizer
	Task  Task
	Opt   *optim.AdamW
	Sched optim.Schedule
	KLC   KLController
	Step  int // completed steps

	params []optim.Param
	value  *ts.Tensor // PPO value head [1, d+1] (weights, bias) over the detached hidden state
}

// NewTrainer checks cfg and makes the optimiser over the actor's trainable weights (and a value
// head for PPO).
func NewTrainer(actor Actor, tok tokenizer.Tokenizer, task Task, cfg Config) (*Trainer, error) {
	if cfg.Prompts <= 0 || cfg.Group <= 0 || cfg.MaxTokens <= 0 || cfg.Steps <= 0 {
		return nil, fmt.Errorf("rl: prompts, group, max tokens and steps must be positive")
	}
	if len(task.Examples) == 0 || task.Reward == nil {
		return nil, fmt.Errorf("rl: task %q has no examples or no reward", task.Name)
	}
	if (cfg.Algo == GRPO || cfg.Algo == RLOO) && cfg.Group < 2 {
		return nil, fmt.Errorf("rl: %s needs a group of at least 2", cfg.Algo)
	}
	cfg.Epochs, cfg.MiniBatches = max(cfg.Epochs, 1), max(cfg.MiniBatches, 1)
	if cfg.KL == "" {
		cfg.KL = K1
	}
	t := &Trainer{Cfg: cfg, Actor: actor, Tok: tok, Task: task,
		Sched: optim.Schedule{LR: cfg.LR, Min: math.Min(cfg.MinLR, cfg.LR), Warmup: cfg.Warmup, Total: cfg.Steps * cfg.Epochs * cfg.MiniBatches},
		KLC:   KLController{Coef: cfg.KLCoef, Target: cfg.KLTarget, Horizon: cfg.KLHorizon}}
	if err := t.Sched.Validate(); err != nil {
		return nil, err
	}
	for _, p := range actor.Trainable() {
		t.params = append(t.params, optim.Param{Name: p.Name, W: *p.Ptr})
	}
	ocfg := optim.Config{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: 1e-8, WeightDecay: cfg.WeightDecay,
		Groups: map[string]optim.Group{"value": {LRScale: cfg.ValueLRScale}}}
	if cfg.Algo == PPO {
		err := tensor.Guard(func() {
			d := int64(actor.(hiddenSize).HiddenSize())
			t.value = ts.MustZeros([]int64{1, d + 1}, gotch.Float, gotch.CPU)
			SetTrainable(t.value)
		})
		if err != nil {
			return nil, err
		}
		t.params = append(t.params, optim.Param{Name: "value_head.weight", W: t.value, Group: "value"})
	}
	opt, err := optim.NewAdamW(t.params, ocfg)
	if err != nil {
		return nil, err
	}
	t.Opt = opt
	return t, nil
}

type hiddenSize interface{ HiddenSize() int }

// HiddenSize is the width of the CoLA backbone (the value head's input).
func (a *CoLAActor) HiddenSize() int { return a.M.Config.Dim }

// HiddenSize is the width of the Llama (the value head's input).
func (a *TokenActor) HiddenSize() int { return a.M.Config.Dim }

// Close frees the optimiser state and the value head.
func (t *Trainer) Close() {
	if t.Opt != nil {
		t.Opt.Free()
	}
	tensor.Drop(t.value)
	t.value = nil
}

// StepSeed is the sampling seed of step i: a run's randomness is a function of (Seed, step), so a
// resumed run samples exactly what the uninterrupted one would have.
func (t *Trainer) StepSeed(i int) uint64 {
	r := rand.New(rand.NewPCG(t.Cfg.Seed, uint64(i)*0x9E3779B97F4A7C15+1))
	return r.Uint64()
}

// batchExamples picks the step's prompts: an epoch-wise shuffle of the examples.
func (t *Trainer) batchExamples(step int) []Example {
	n := len(t.Task.Examples)
	out := make([]Example, 0, t.Cfg.Prompts)
	for k := step * t.Cfg.Prompts; len(out) < t.Cfg.Prompts; k++ {
		epoch, i := k/n, k%n
		perm := rand.New(rand.NewPCG(t.Cfg.Seed^0xE9, uint64(epoch))).Perm(n)
		out = append(out, t.Task.Examples[perm[i]])
	}
	return out
}

// Batch is one step's experience.
type Batch struct {
	*Rollout
	Examples    []Example // per row
	Completions []string
	Scores      Scores
	Baseline    []float64   // ReMax: greedy reward per row
	Values      [][]float64 // PPO
	Adv, Ret    [][]float64
	RolloutTime time.Duration
}

// Experience rolls out the step's prompts, scores them and computes advantages.
func (t *Trainer) Experience(ctx context.Context, step int) (*Batch, error) {
	c := t.Cfg
	start := time.Now()
	exs := t.batchExamples(step)
	var prompts [][]int
	var rowEx []Example
	for _, ex := range exs {
		ids := t.Tok.Encode(ex.Prompt, tokenizer.EncodeOptions{BOS: true})
		for g := 0; g < c.Group; g++ {
			prompts = append(prompts, ids)
			rowEx = append(rowEx, ex)
		}
	}
	r, err := t.Actor.Generate(ctx, prompts, c.MaxTokens, t.StepSeed(step), false)
	if err != nil {
		return nil, fmt.Errorf("rollout: %w", err)
	}
	b := &Batch{Rollout: r, Examples: rowEx}
	b.Completions = t.decode(r)
	b.RolloutTime = time.Since(start)

	// Reference (and, for the token actor, rollout) log-probs and PPO values, without grad.
	needOld := r.LogProbs == nil
	r.Ref = make([][]float64, len(prompts))
	if needOld {
		r.LogProbs = make([][]float64, len(prompts))
	}
	if c.Algo == PPO {
		b.Values = make([][]float64, len(prompts))
	}
	for _, rows := range chunks(len(prompts), c.MicroBatch) {
		in := NewLayout(r, rows)
		ref, _, err := t.actionValues(in, true)
		if err != nil {
			return nil, err
		}
		var old, val [][]float64
		if needOld || c.Algo == PPO {
			if old, val, err = t.actionValues(in, false); err != nil {
				return nil, err
			}
		}
		for k, i := range rows {
			r.Ref[i] = ref[k]
			if needOld {
				r.LogProbs[i] = old[k]
			}
			if c.Algo == PPO {
				b.Values[i] = val[k]
			}
		}
	}

	prs := make([]string, len(prompts))
	for i, ex := range rowEx {
		prs[i] = ex.Prompt
	}
	b.Scores = Score(t.Task.Reward, prs, b.Completions, rowEx, c.Workers)
	if c.Algo == ReMax {
		var gp [][]int
		for i := 0; i < len(prompts); i += c.Group {
			gp = append(gp, prompts[i])
		}
		gr, err := t.Actor.Generate(ctx, gp, c.MaxTokens, t.StepSeed(step), true)
		if err != nil {
			return nil, fmt.Errorf("greedy rollout: %w", err)
		}
		gc := t.decode(gr)
		var gex []Example
		var gpr []string
		for i := 0; i < len(prompts); i += c.Group {
			gex = append(gex, rowEx[i])
			gpr = append(gpr, prs[i])
		}
		gs := Score(t.Task.Reward, gpr, gc, gex, c.Workers)
		for i := range prompts {
			b.Baseline = append(b.Baseline, gs.Values[i/c.Group])
		}
	}
	klCoef := t.KLC.Coef
	if c.KLInLoss {
		klCoef = 0
	}
	b.Adv, b.Ret, err = Advantages(AdvantageConfig{Algo: c.Algo, Group: c.Group, Gamma: c.Gamma, Lambda: c.Lambda,
		KLCoef: klCoef, KL: c.KL, Whiten: c.Whiten}, b.Scores.Values, b.Baseline, r.LogProbs, r.Ref, b.Values)
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
		noGrad(func() {
			s := &tensor.Scope{}
			defer s.Close()
			logits, h, err := t.Actor.Logits(in, ref, false)
			if err != nil {
				panic(err)
			}
			s.T(logits)
			s.T(h)
			acts := s.T(tensor.FromInt64s(in.Actions, []int64{int64(in.B), int64(in.L)}, gotch.CPU))
			l, _ := actionLogProbs(logits, acts, t.Actor.Tau(), s)
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

// values applies the value head to h [B,L,d] (detached), giving [B,L].
func (t *Trainer) values(h *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	d := h.MustSize()[2]
	w := s.T(t.value.MustNarrow(1, 0, d, false))                                       // [1,d]
	bias := s.T(t.value.MustNarrow(1, d, 1, false))                                    // [1,1]
	hd := s.T(h.MustDetach(false))                                                     // [B,L,d]
	v := s.T(s.T(hd.MustMatmul(s.T(w.MustT(false)), false)).MustSqueezeDim(-1, false)) // [B,L]
	return s.T(v.MustAdd(s.T(bias.MustSqueezeDim(-1, false)), false))
}

// perSlot reads a [B,L] tensor's values at each row's action slots.
func perSlot(in *Layout, flat []float32) [][]float64 {
	out := make([][]float64, in.B)
	for b, slots := range in.Slots {
		out[b] = make([]float64, len(slots))
		for j, s := range slots {
			out[b][j] = float64(flat[b*in.L+s])
		}
	}
	return out
}

// spread lays per-action values out as a [B*L] slice over in's slots.
func spread(in *Layout, rows []int, v [][]float64) []float32 {
	out := make([]float32, in.B*in.L)
	for b, i := range rows {
		for j, s := range in.Slots[b] {
			out[b*in.L+s] = float32(v[i][j])
		}
	}
	return out
}

func chunks(n, size int) [][]int {
	if size <= 0 || size > n {
		size = n
	}
	var out [][]int
	for i := 0; i < n; i += size {
		var c []int
		for j := i; j < min(i+size, n); j++ {
			c = append(c, j)
		}
		out = append(out, c)
	}
	return out
}

// updateStats accumulate over an update.
type updateStats struct {
	loss, vloss, klLoss, entropy, clip, tokens float64
	gradNorm                                   float64
	steps                                      int
}

// Update runs the PPO epochs over a batch.
func (t *Trainer) Update(b *Batch) (updateStats, error) {
	c := t.Cfg
	var st updateStats
	n := len(b.Tokens)
	rng := rand.New(rand.NewPCG(t.StepSeed(t.Step), 0xB47C))
	for epoch := 0; epoch < c.Epochs; epoch++ {
		order := rng.Perm(n)
		mb := (n + c.MiniBatches - 1) / c.MiniBatches
		for start := 0; start < n; start += mb {
			rows := order[start:min(start+mb, n)]
			if err := t.Opt.ZeroGrad(); err != nil {
				return st, err
			}
			for _, part := range chunks(len(rows), c.MicroBatch) {
				sub := make([]int, len(part))
				for k, p := range part {
					sub[k] = rows[p]
				}
				if err := t.backward(b, sub, float64(len(rows)), &st); err != nil {
					return st, err
				}
			}
			norm, err := optim.ClipGradNorm(t.params, c.GradClip)
			if err != nil {
				return st, err
			}
			st.gradNorm += norm
			lr := t.Sched.At(int(t.Opt.Steps))
			if err := t.Opt.Step(lr); err != nil {
				return st, err
			}
			st.steps++
		}
	}
	return st, nil
}

// backward adds the gradient of rows' share of the loss (divided by total rows).
func (t *Trainer) backward(b *Batch, rows []int, total float64, st *updateStats) error {
	c := t.Cfg
	in := NewLayout(b.Rollout, rows)
	shape := []int64{int64(in.B), int64(in.L)}
	return tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		logits, h, err := t.Actor.Logits(in, false, true)
		if err != nil {
			panic(err)
		}
		s.T(logits)
		s.T(h)
		acts := s.T(tensor.FromInt64s(in.Actions, shape, gotch.CPU))
		mask := s.T(tensor.FromFloat32s(in.Mask, shape, gotch.CPU))
		old := s.T(tensor.FromFloat32s(spread(in, rows, b.LogProbs), shape, gotch.CPU))
		adv := s.T(tensor.FromFloat32s(spread(in, rows, b.Adv), shape, gotch.CPU))
		logp, ent := actionLogProbs(logits, acts, t.Actor.Tau(), s)
		pl := s.T(policyLoss(logp, old, adv, mask, c.ClipEps, s))
		loss := pl
		var kl, vl *ts.Tensor
		if c.KLInLoss && t.KLC.Coef != 0 {
			ref := s.T(tensor.FromFloat32s(spread(in, rows, b.Ref), shape, gotch.CPU))
			kl = s.T(k3Loss(logp, ref, mask, s))
			loss = s.T(loss.MustAdd(s.T(kl.MustMulScalar(tensor.Scalar(t.KLC.Coef), false)), false))
		}
		if t.value != nil {
			v := t.values(h, s)
			oldV := s.T(tensor.FromFloat32s(spread(in, rows, b.Values), shape, gotch.CPU))
			ret := s.T(tensor.FromFloat32s(spread(in, rows, b.Ret), shape, gotch.CPU))
			vl = s.T(valueLoss(v, oldV, ret, mask, c.ValueClip, s))
			loss = s.T(loss.MustAdd(s.T(vl.MustMulScalar(tensor.Scalar(c.VFCoef), false)), false))
		}
		s.T(loss.MustDivScalar(tensor.Scalar(total), false)).MustBackward()

		// Statistics, per action token.
		lp, e := tensor.Float32s(logp), tensor.Float32s(ent)
		for k, i := range rows {
			for j, sl := range in.Slots[k] {
				x := k*in.L + sl
				r := math.Exp(float64(lp[x]) - b.LogProbs[i][j])
				a := b.Adv[i][j]
				if (r > 1+c.ClipEps && a > 0) || (r < 1-c.ClipEps && a < 0) {
					st.clip++
				}
				st.entropy += float64(e[x])
				st.tokens++
			}
		}
		st.loss += float64(tensor.Float32s(pl)[0]) / total
		if kl != nil {
			st.klLoss += float64(tensor.Float32s(kl)[0]) / total
		}
		if vl != nil {
			st.vloss += float64(tensor.Float32s(vl)[0]) / total
		}
	})
}

// TrainStep runs one step (rollout, rewards, advantages, update) and returns its metrics.
func (t *Trainer) TrainStep(ctx context.Context) (Metrics, error) {
	start := time.Now()
	b, err := t.Experience(ctx, t.Step)
	if err != nil {
		return nil, fmt.Errorf("step %d: %w", t.Step, err)
	}
	expT := time.Since(start)
	lr := t.Sched.At(int(t.Opt.Steps))
	st, err := t.Update(b)
	if err != nil {
		return nil, fmt.Errorf("step %d: update: %w", t.Step, err)
	}
	m := t.metrics(b, st)
	m["lr"] = lr
	m["time/rollout"] = b.RolloutTime.Seconds()
	m["time/experience"] = expT.Seconds()
	m["time/step"] = time.Since(start).Seconds()
	m["kl_coef"] = t.KLC.Coef
	t.KLC.Update(m["kl/seq"].(float64), len(b.Tokens))
	t.Step++
	m["step"] = t.Step
	return m, nil
}

func (t *Trainer) metrics(b *Batch, st updateStats) Metrics {
	r := b.Scores.Values
	mean, std := meanStd(r, false)
	zero := 0
	for g := 0; g < len(r); g += t.Cfg.Group {
		if _, s := meanStd(r[g:g+t.Cfg.Group], false); s == 0 {
			zero++
		}
	}
	var klTok, klSeq, k3 float64
	tokens, maxLen := 0, 0
	for i, lp := range b.LogProbs {
		seq := 0.0
		for j := range lp {
			d := lp[j] - b.Ref[i][j]
			seq += d
			k3 += K3.KL(lp[j], b.Ref[i][j])
		}
		klSeq += seq
		klTok += seq
		tokens += len(lp)
		maxLen = max(maxLen, len(b.Tokens[i]))
	}
	n := float64(len(r))
	m := Metrics{
		"reward/mean": mean, "reward/std": std, "reward/errors": b.Scores.Errors,
		"frac_reward_zero_std":    float64(zero) / float64(len(r)/t.Cfg.Group),
		"kl":                      klTok / math.Max(float64(tokens), 1),
		"kl/k3":                   k3 / math.Max(float64(tokens), 1),
		"kl/seq":                  klSeq / n,
		"entropy":                 st.entropy / math.Max(st.tokens, 1),
		"clip_ratio":              st.clip / math.Max(st.tokens, 1),
		"loss/policy":             st.loss / float64(max(st.steps, 1)),
		"grad_norm":               st.gradNorm / float64(max(st.steps, 1)),
		"completions/mean_length": float64(tokens) / n,
		"completions/max_length":  maxLen,
		"tokens/s":                float64(tokens) / b.RolloutTime.Seconds(),
	}
	if b.Scores.FirstErr != "" {
		m["reward/first_error"] = b.Scores.FirstErr
	}
	if t.Cfg.KLInLoss {
		m["loss/kl"] = st.klLoss / float64(max(st.steps, 1))
	}
	if t.value != nil {
		m["loss/value"] = st.vloss / float64(max(st.steps, 1))
	}
	return m
}
