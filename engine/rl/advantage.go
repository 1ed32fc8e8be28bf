package rl

import (
	"fmt"
	"math"
)

// The estimators below work on plain Go values, one slice per sequence with one entry per action
// token (the trimmed completion), so they can be checked by hand. They follow the released
// OpenRLHF fork of the CoLA code (see docs/rl.md for the mapping).

// GroupNormalize is GRPO's sequence-reward normalisation: rewards come in consecutive groups of
// size group (the samples of one prompt); each becomes (r - mean) / max(std, 1e-8), clamped to
// [-10, 10]. std is the unbiased (n-1) standard deviation, torch.std's default; a group of one
// has std 0 and so normalises to 0.
func GroupNormalize(r []float64, group int) ([]float64, error) {
	return groupwise(r, group, func(x, mean, std float64) float64 { return clamp((x-mean)/math.Max(std, 1e-8), -10, 10) })
}

// GroupCenter is Dr. GRPO's sequence advantage: r - the mean of its group, not divided by the
// group's std, so that a group of near-equal rewards does not weigh as much as one of spread ones.
func GroupCenter(r []float64, group int) ([]float64, error) {
	return groupwise(r, group, func(x, mean, _ float64) float64 { return x - mean })
}

// groupwise maps each reward through f with its group's mean and unbiased std.
func groupwise(r []float64, group int, f func(x, mean, std float64) float64) ([]float64, error) {
	if group <= 0 || len(r)%group != 0 {
		return nil, fmt.Errorf("rl: %d rewards do not split into groups of %d", len(r), group)
	}
	out := make([]float64, len(r))
	for g := 0; g < len(r); g += group {
		mean, std := meanStd(r[g:g+group], true)
		for i := g; i < g+group; i++ {
			out[i] = f(r[i], mean, std)
		}
	}
	return out, nil
}

// LeaveOneOut is RLOO's baseline: r_i - mean of the other samples of its group (k > 1).
func LeaveOneOut(r []float64, group int) ([]float64, error) {
	if group <= 1 || len(r)%group != 0 {
		return nil, fmt.Errorf("rl: RLOO needs groups of at least 2 (%d rewards, group %d)", len(r), group)
	}
	out := make([]float64, len(r))
	for g := 0; g < len(r); g += group {
		sum := 0.0
		for _, v := range r[g : g+group] {
			sum += v
		}
		for i := g; i < g+group; i++ {
			out[i] = r[i] - (sum-r[i])/float64(group-1)
		}
	}
	return out, nil
}

// Baseline subtracts a per-sequence baseline (ReMax: the reward of the greedy-action rollout of
// the same prompt, repeated over the group).
func Baseline(r, base []float64) ([]float64, error) {
	if len(r) != len(base) {
		return nil, fmt.Errorf("rl: %d rewards but %d baselines", len(r), len(base))
	}
	out := make([]float64, len(r))
	for i := range r {
		out[i] = r[i] - base[i]
	}
	return out, nil
}

// KLEstimator names an estimator of KL(pi || pi_ref) from per-token log-probs.
type KLEstimator string

const (
	// K1 is log(pi/pi_ref): unbiased, can be negative (the released code's default).
	K1 KLEstimator = "k1"
	// K3 is exp(-d) - 1 + d with d = log(pi/pi_ref): unbiased and never negative (Schulman).
	K3 KLEstimator = "k3"
)

// KL is the per-token estimate for log-probs logp (policy) and ref (reference).
func (k KLEstimator) KL(logp, ref float64) float64 {
	d := logp - ref
	if k == K3 {
		return math.Exp(-d) - 1 + d
	}
	return d
}

// TokenRewards builds per-token rewards: -klCoef * KL(logp, ref) on every action token, plus the
// sequence score on the last one. kl may be nil (no penalty).
func TokenRewards(score []float64, logp, ref [][]float64, klCoef float64, est KLEstimator) [][]float64 {
	out := make([][]float64, len(score))
	for i := range score {
		n := len(logp[i])
		out[i] = make([]float64, n)
		if klCoef != 0 && ref != nil {
			for t := 0; t < n; t++ {
				out[i][t] = -klCoef * est.KL(logp[i][t], ref[i][t])
			}
		}
		if n > 0 {
			out[i][n-1] += score[i]
		}
	}
	return out
}

// GAE is generalised advantage estimation over one sequence's rewards and values (values may be
// nil: all zero, as in GRPO), with V = 0 after the last token:
//
//	delta_t = r_t + gamma * V_{t+1} - V_t,   A_t = delta_t + gamma * lambda * A_{t+1}
//
// It returns the advantages and the returns A_t + V_t.
func GAE(rewards, values []float64, gamma, lambda float64) (adv, ret []float64) {
	n := len(rewards)
	adv, ret = make([]float64, n), make([]float64, n)
	last := 0.0
	for t := n - 1; t >= 0; t-- {
		v, next := 0.0, 0.0
		if values != nil {
			v = values[t]
			if t+1 < n {
				next = values[t+1]
			}
		}
		delta := rewards[t] + gamma*next - v
		last = delta + gamma*lambda*last
		adv[t] = last
		ret[t] = last + v
	}
	return adv, ret
}

// Returns is the discounted return-to-go sum_k gamma^k r_{t+k} (REINFORCE, ReMax and RLOO).
func Returns(rewards []float64, gamma float64) []float64 {
	out := make([]float64, len(rewards))
	acc := 0.0
	for t := len(rewards) - 1; t >= 0; t-- {
		acc = rewards[t] + gamma*acc
		out[t] = acc
	}
	return out
}

// Whiten normalises values over every token of the batch: (x - mean) / sqrt(max(var, 1e-8)),
// with the biased variance, as the replay buffer of the released code does. Sequences with no
// tokens are left alone.
func Whiten(x [][]float64) [][]float64 {
	var flat []float64
	for _, s := range x {
		flat = append(flat, s...)
	}
	out := make([][]float64, len(x))
	if len(flat) == 0 {
		for i := range x {
			out[i] = append([]float64(nil), x[i]...)
		}
		return out
	}
	mean, std := meanStd(flat, false)
	rstd := 1 / math.Sqrt(math.Max(std*std, 1e-8))
	for i, s := range x {
		out[i] = make([]float64, len(s))
		for t, v := range s {
			out[i][t] = (v - mean) * rstd
		}
	}
	return out
}

// KLController gives the KL coefficient: fixed, or adaptive (Ziegler et al. 2019) when Target > 0:
// after each batch, coef *= 1 + clip(kl/target - 1, -0.2, 0.2) * n/horizon.
type KLController struct {
	Coef    float64
	Target  float64 // 0: fixed
	Horizon float64 // in samples (10000 by default)
}

// Update adapts the coefficient to the batch's mean KL over n samples.
func (c *KLController) Update(kl float64, n int) {
	if c.Target <= 0 {
		return
	}
	h := c.Horizon
	if h <= 0 {
		h = 10000
	}
	e := clamp(kl/c.Target-1, -0.2, 0.2)
	c.Coef *= 1 + e*float64(n)/h
}

func meanStd(v []float64, unbiased bool) (mean, std float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	d := float64(len(v))
	if unbiased {
		if len(v) < 2 {
			return mean, 0
		}
		d--
	}
	return mean, math.Sqrt(ss / d)
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// Algo is an advantage estimator.
type Algo string

const (
	GRPO  Algo = "grpo"  // group-normalised reward, GAE with zero values (gamma 1, lambda 0.95)
	ReMax Algo = "remax" // reward minus the greedy-action rollout's reward, return-to-go
	RLOO  Algo = "rloo"  // reward minus the leave-one-out group mean, return-to-go
	PPO   Algo = "ppo"   // raw reward, GAE over a learned value head
)

// AdvantageConfig chooses how sequence scores become per-token advantages.
type AdvantageConfig struct {
	Algo          Algo
	Group         int         // samples per prompt (consecutive)
	Gamma, Lambda float64     // GAE (GRPO and PPO) and return-to-go (gamma only)
	KLCoef        float64     // weight of the KL penalty in the reward (0: none)
	KL            KLEstimator // estimator of that penalty
	Whiten        bool        // whiten advantages over the batch
	Center        bool        // grpo: r - group mean only (Dr. GRPO), no division by the std
}

// Advantages turns sequence scores into per-token advantages and returns. baseline is ReMax's
// greedy reward per sequence, values PPO's value estimates per token (nil otherwise); logp and
// ref are the rollout and reference log-probs of every action token.
func Advantages(c AdvantageConfig, scores, baseline []float64, logp, ref, values [][]float64) (adv, ret [][]float64, err error) {
	s, err := SequenceAdvantages(c, scores, baseline, values)
	if err != nil {
		return nil, nil, err
	}
	adv, ret = TokenAdvantages(c, s, logp, ref, values)
	return adv, ret, nil
}

// SequenceAdvantages is the first half of Advantages: one advantage per sequence (GRPO's group
// normalisation, RLOO's leave-one-out, ReMax's baseline; PPO's raw scores).
func SequenceAdvantages(c AdvantageConfig, scores, baseline []float64, values [][]float64) ([]float64, error) {
	switch c.Algo {
	case GRPO:
		if c.Center {
			return GroupCenter(scores, c.Group)
		}
		return GroupNormalize(scores, c.Group)
	case RLOO:
		return LeaveOneOut(scores, c.Group)
	case ReMax:
		return Baseline(scores, baseline)
	case PPO:
		if len(values) != len(scores) {
			return nil, fmt.Errorf("rl: ppo needs values for every sequence")
		}
		return scores, nil
	}
	return nil, fmt.Errorf("rl: unknown algorithm %q (want grpo, remax, rloo or ppo)", c.Algo)
}

// TokenAdvantages is the second half: sequence advantages s (with the KL penalty on every token)
// spread over each sequence's tokens.
func TokenAdvantages(c AdvantageConfig, s []float64, logp, ref, values [][]float64) (adv, ret [][]float64) {
	rw := TokenRewards(s, logp, ref, c.KLCoef, c.KL)
	adv, ret = make([][]float64, len(rw)), make([][]float64, len(rw))
	for i, r := range rw {
		switch c.Algo {
		case GRPO:
			adv[i], ret[i] = GAE(r, nil, c.Gamma, c.Lambda)
		case PPO:
			adv[i], ret[i] = GAE(r, values[i], c.Gamma, c.Lambda)
		default:
			adv[i] = Returns(r, c.Gamma)
			ret[i] = adv[i]
		}
	}
	if c.Whiten {
		adv = Whiten(adv)
	}
	return adv, ret
}
