package rl

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Work on a step's rows shared out over the ranks (parallel.go): each rank computes its block of
// rows and the blocks are gathered in rank order, so every rank ends with the whole batch's values
// and each row's values are computed once, as on one process.

// block is this rank's rows [lo, hi) of n: all of them on one process, or when there are fewer
// rows than ranks.
func (t *Trainer) block(n int) (lo, hi int) {
	if t.Group == nil || n < t.Group.Size() {
		return 0, n
	}
	return t.Group.Block(n)
}

// gatherBlocks sends mine (JSON: float64s round-trip exactly) to every rank and passes each
// rank's block, in rank order, to add.
func gatherBlocks[T any](t *Trainer, what string, mine T, add func(T)) error {
	b, err := json.Marshal(mine)
	if err != nil {
		return err
	}
	all, err := t.Group.AllGatherBytes(b, t.Actor.Device())
	if err != nil {
		return fmt.Errorf("rl: gather %s: %w", what, err)
	}
	for rank, raw := range all {
		var part T
		if err := json.Unmarshal(raw, &part); err != nil {
			return fmt.Errorf("rl: %s of rank %d: %w", what, rank, err)
		}
		add(part)
	}
	return nil
}

// score scores completions of their examples' prompts with the task's reward, each rank its
// block (a reward model runs once per row, not once per rank).
func (t *Trainer) score(exs []Example, completions []string) (Scores, error) {
	defer clock(&t.times.Score)()
	prs := make([]string, len(exs))
	for i, ex := range exs {
		prs[i] = ex.Prompt
	}
	lo, hi := t.block(len(exs))
	mine := scoreFrom(t.Task.Reward, prs[lo:hi], completions[lo:hi], exs[lo:hi], t.Cfg.Workers, lo)
	if hi-lo == len(exs) {
		return mine, nil
	}
	var all Scores
	err := gatherBlocks(t, "scores", mine, func(p Scores) {
		all.Values = append(all.Values, p.Values...)
		if all.FirstErr == "" {
			all.FirstErr = p.FirstErr
		}
		all.Errors += p.Errors
	})
	if err == nil && len(all.Values) != len(exs) {
		err = fmt.Errorf("rl: gathered %d scores for %d samples", len(all.Values), len(exs))
	}
	return all, err
}

// stats are a block's reference log-probs, and the rollout log-probs and PPO values when asked.
type stats struct{ Ref, Old, Values [][]float64 }

// actionStats computes, without grad, r's reference log-probs (and, with old, the policy's
// log-probs; for PPO, the values) of each action, each rank its block of rows. The tries of an
// episode (episode[i] is row i's; nil: single-turn) go through together, packed.
func (t *Trainer) actionStats(r *Rollout, episode []int, old bool) (ref, logp, values [][]float64, err error) {
	lo, hi := t.block(len(r.Prompts))
	block := span(lo, hi)
	if episode != nil {
		slices.SortStableFunc(block, func(i, j int) int { return episode[i] - episode[j] })
	}
	n := hi - lo
	mine := stats{Ref: make([][]float64, n)}
	if old || t.value != nil {
		mine.Old = make([][]float64, n)
	}
	if t.value != nil {
		mine.Values = make([][]float64, n) // PPO's values come with the policy's pass
	}
	for _, rows := range chunks(block, t.Cfg.MicroBatch) {
		in := NewEpisodeLayout(r, rows, episode)
		rf, _, err := t.actionValues(in, true)
		if err != nil {
			return nil, nil, nil, err
		}
		var lp, v [][]float64
		if old || t.value != nil {
			if lp, v, err = t.actionValues(in, false); err != nil {
				return nil, nil, nil, err
			}
		}
		for k, i := range rows {
			mine.Ref[i-lo] = rf[k]
			if lp != nil {
				mine.Old[i-lo] = lp[k]
			}
			if v != nil {
				mine.Values[i-lo] = v[k]
			}
		}
	}
	if hi-lo == len(r.Prompts) {
		return mine.Ref, mine.Old, mine.Values, nil
	}
	var all stats
	err = gatherBlocks(t, "reference log-probs", mine, func(p stats) {
		all.Ref, all.Old, all.Values = append(all.Ref, p.Ref...), append(all.Old, p.Old...), append(all.Values, p.Values...)
	})
	if err == nil && len(all.Ref) != len(r.Prompts) {
		err = fmt.Errorf("rl: gathered %d rows of reference log-probs for %d rollouts", len(all.Ref), len(r.Prompts))
	}
	return all.Ref, all.Old, all.Values, err
}
