package rl

import (
	"math"

	"colash/engine/train"
)

// metrics summarises a step for the log, with the names TRL users expect.
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
		"completions/distinct2":   train.Distinct(b.Tokens, 2), // falls as a policy collapses
		"tokens/s":                float64(tokens) / b.RolloutTime.Seconds(),
	}
	if b.Scores.FirstErr != "" {
		m["reward/first_error"] = b.Scores.FirstErr
	}
	if b.Episode != nil {
		m["turns/mean"] = b.Turns // tries per episode
	}
	if t.Cfg.KLInLoss {
		m["loss/kl"] = st.klLoss / float64(max(st.steps, 1))
	}
	if t.value != nil {
		m["loss/value"] = st.vloss / float64(max(st.steps, 1))
	}
	return m
}
