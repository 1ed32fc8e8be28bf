package rl

import (
	"context"
	"fmt"
	"math"
)

// Data parallelism over a dist.Group (Trainer.Group; nil: one process). Rollouts are sharded:
// each rank generates its share of the step's rows, each row on the sampling stream it has on one
// process, and the shards are gathered, so every rank holds the whole batch; scoring and the
// reference log-probs are sharded and gathered the same way (shard.go). The policy update is shared out too: each rank computes
// the loss of its share of each mini-batch's rows; the loss is a sum over rows divided by the
// mini-batch's size, so the gradients summed over ranks are one process's gradient, and every rank
// clips and steps identically, keeping the weights the same everywhere. Only rank 0 reads and
// writes checkpoints: at the first step of a run or a resume the other ranks take its weights,
// optimiser moments, step and KL coefficient (syncFromRank0). All sampling derives from (Seed,
// Step), so that is the whole of a run's state.

// generate rolls out prompts, this rank's block of them when there are several ranks.
func (t *Trainer) generate(ctx context.Context, prompts [][]int, seed uint64, greedy bool) (*Rollout, error) {
	defer clock(&t.times.Generate)()
	lo, hi := t.block(len(prompts))
	part, err := t.Actor.Generate(ctx, prompts[lo:hi], t.Cfg.MaxTokens, seed, lo, greedy)
	if err != nil || hi-lo == len(prompts) {
		return part, err
	}
	return t.gatherRollout(prompts, part)
}

// shard is the part of a rollout that travels between ranks (the prompts are known to all).
type shard struct {
	Tokens, Actions [][]int
	LogProbs        [][]float64
}

// gatherRollout joins every rank's shard, in rank order, into the rollout of prompts.
func (t *Trainer) gatherRollout(prompts [][]int, part *Rollout) (*Rollout, error) {
	out := &Rollout{Prompts: prompts}
	err := gatherBlocks(t, "rollouts", shard{part.Tokens, part.Actions, part.LogProbs}, func(s shard) {
		out.Tokens, out.Actions = append(out.Tokens, s.Tokens...), append(out.Actions, s.Actions...)
		if s.LogProbs != nil {
			out.LogProbs = append(out.LogProbs, s.LogProbs...)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(out.Tokens) != len(prompts) || (out.LogProbs != nil && len(out.LogProbs) != len(prompts)) {
		return nil, fmt.Errorf("rl: gathered %d rollouts (%d with log-probs) for %d prompts", len(out.Tokens), len(out.LogProbs), len(prompts))
	}
	return out, nil
}

// share is this rank's block of a mini-batch's rows (dist.Group.Block). Blocks may differ by a
// row: the loss is a sum over rows divided by the whole mini-batch's size.
func (t *Trainer) share(rows []int) ([]int, error) {
	if err := t.Group.CheckSplit("rl: a mini-batch", len(rows), "rows"); err != nil {
		return nil, err
	}
	lo, hi := t.Group.Block(len(rows))
	return rows[lo:hi], nil
}

// sumStats adds up the ranks' per-row statistics of an update.
func (t *Trainer) sumStats(st *updateStats) error {
	return t.Group.SumFloat64s(t.Actor.Device(), &st.loss, &st.vloss, &st.klLoss, &st.entropy, &st.clip, &st.tokens)
}

// syncFromRank0 gives every rank rank 0's state, before the first step of a run or a resume.
func (t *Trainer) syncFromRank0() error {
	st, err := t.Group.SyncState([]int64{int64(t.Step), t.Opt.Steps, int64(math.Float64bits(t.KLC.Coef))}, t.Opt.Tensors(), 0, t.Actor.Device())
	if err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	t.Step, t.Opt.Steps, t.KLC.Coef = int(st[0]), st[1], math.Float64frombits(uint64(st[2]))
	return nil
}
