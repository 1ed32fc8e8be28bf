package rl

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/tensor"
)

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
		if b.Episode != nil {
			order = episodeOrder(rng, b.Episode) // an episode's tries in one mini-batch, packed
		}
		mb := (n + c.MiniBatches - 1) / c.MiniBatches
		for start := 0; start < n; start += mb {
			rows := order[start:min(start+mb, n)]
			if err := t.Opt.ZeroGrad(); err != nil {
				return st, err
			}
			mine, err := t.share(rows)
			if err != nil {
				return st, err
			}
			for _, sub := range chunks(mine, c.MicroBatch) {
				if err := t.backward(b, sub, float64(len(rows)), &st); err != nil {
					return st, err
				}
			}
			if err := optim.AllReduceGrads(t.Group, t.params, dist.Sum); err != nil {
				return st, err
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
	return st, t.sumStats(&st)
}

// episodeOrder is the rows of a multi-turn batch (episode[i] is row i's episode), episodes in a
// random order and each episode's tries together, in order.
func episodeOrder(rng *rand.Rand, episode []int) []int {
	tries := make([][]int, slices.Max(episode)+1)
	for i, e := range episode {
		tries[e] = append(tries[e], i)
	}
	var out []int
	for _, e := range rng.Perm(len(tries)) {
		out = append(out, tries[e]...)
	}
	return out
}

// backward adds the gradient of rows' share of the loss (divided by total rows).
func (t *Trainer) backward(b *Batch, rows []int, total float64, st *updateStats) error {
	c := t.Cfg
	in := NewEpisodeLayout(b.Rollout, rows, b.Episode)
	if c.TokenSum {
		in.SumOver(c.MaxTokens)
	}
	shape := []int64{int64(in.B), int64(in.L)}
	return tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		logp, ent, h := t.forward(in, false, true, s)
		dev := t.Actor.Device()
		w := s.T(tensor.FromFloat32s(in.Weight, shape, dev))
		old := s.T(tensor.FromFloat32s(spread(in, rows, b.LogProbs), shape, dev))
		adv := s.T(tensor.FromFloat32s(spread(in, rows, b.Adv), shape, dev))
		pl := s.T(policyLoss(logp, old, adv, w, c.ClipEps, s))
		loss := pl
		var kl, vl *ts.Tensor
		if c.KLInLoss && t.KLC.Coef != 0 {
			ref := s.T(tensor.FromFloat32s(spread(in, rows, b.Ref), shape, dev))
			kl = s.T(k3Loss(logp, ref, w, s))
			loss = s.T(loss.MustAdd(s.T(kl.MustMulScalar(tensor.Scalar(t.KLC.Coef), false)), false))
		}
		if t.value != nil {
			v := t.values(h, s)
			oldV := s.T(tensor.FromFloat32s(spread(in, rows, b.Values), shape, dev))
			ret := s.T(tensor.FromFloat32s(spread(in, rows, b.Ret), shape, dev))
			vl = s.T(valueLoss(v, oldV, ret, w, c.ValueClip, s))
			loss = s.T(loss.MustAdd(s.T(vl.MustMulScalar(tensor.Scalar(c.VFCoef), false)), false))
		}
		s.T(loss.MustDivScalar(tensor.Scalar(total), false)).MustBackward()

		// Statistics, per action token.
		lp, e := tensor.Float32s(logp), tensor.Float32s(ent)
		for k, i := range rows {
			for j, x := range in.Slots[k] {
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
