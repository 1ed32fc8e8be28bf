package rl

import (
	"context"
	"fmt"

	"colash/model/tokenizer"
)

// Multi-turn RL (Config.Turns > 1). Every sample is an episode of the task as a retry
// environment (engine/env/taskenv.TaskEnv plays the same episodes): the policy continues the
// transcript, the task's reward scores the try, a miss is answered with RetryFeedback and the
// policy tries again, up to Turns tries; the episode's return is its last try's reward. Each try
// is one row of the batch (its prompt: the transcript so far). Advantages are the algorithm's
// over episodes (GRPO: the Group episodes of a prompt normalised together), and every try of an
// episode shares its episode's advantage, each token with its own KL penalty.

// RetryFeedback is the observation after a missed try.
func RetryFeedback(reward float64) string {
	return fmt.Sprintf("\nNot yet (reward %.2g). Try again: ", reward)
}

// episodes plays Group episodes of each example, all episodes' tries of one turn in one batch.
func (t *Trainer) episodes(ctx context.Context, exs []Example, step int) (*Batch, error) {
	c := t.Cfg
	var epEx []Example
	var transcripts []string
	for _, ex := range exs {
		for range c.Group {
			epEx, transcripts = append(epEx, ex), append(transcripts, ex.Prompt)
		}
	}
	n := len(epEx)
	done, ret, tries := make([]bool, n), make([]float64, n), 0
	b := &Batch{Rollout: &Rollout{}}
	var errs Scores
	for turn := 0; turn < c.Turns; turn++ {
		var active []int
		var prompts [][]int
		var turnEx []Example
		for e := range n {
			if !done[e] {
				active = append(active, e)
				prompts = append(prompts, t.Tok.Encode(transcripts[e], tokenizer.EncodeOptions{BOS: true}))
				turnEx = append(turnEx, epEx[e])
			}
		}
		if len(active) == 0 {
			break
		}
		r, err := t.generate(ctx, prompts, t.StepSeed(step)+uint64(turn)*0x9e3779b9, false)
		if err != nil {
			return nil, fmt.Errorf("rollout, turn %d: %w", turn+1, err)
		}
		texts := t.decode(r)
		sc, err := t.score(turnEx, texts)
		if err != nil {
			return nil, err
		}
		errs.Errors += sc.Errors
		if errs.FirstErr == "" {
			errs.FirstErr = sc.FirstErr
		}
		appendRows(b.Rollout, r)
		for k, e := range active {
			ret[e] = sc.Values[k]
			b.Episode = append(b.Episode, e)
			if sc.Values[k] >= 1 || turn == c.Turns-1 {
				done[e] = true
			} else {
				transcripts[e] += texts[k] + RetryFeedback(sc.Values[k])
			}
		}
		b.Examples, b.Completions = append(b.Examples, turnEx...), append(b.Completions, texts...)
		tries += len(active)
	}
	b.Scores = Scores{Values: ret, Errors: errs.Errors, FirstErr: errs.FirstErr}
	b.Turns = float64(tries) / float64(n)
	return b, nil
}

// appendRows appends r's rows to all (log-probs only when both have them).
func appendRows(all, r *Rollout) {
	first := len(all.Prompts) == 0
	all.Prompts = append(all.Prompts, r.Prompts...)
	all.Tokens = append(all.Tokens, r.Tokens...)
	all.Actions = append(all.Actions, r.Actions...)
	if r.LogProbs != nil && (first || all.LogProbs != nil) {
		all.LogProbs = append(all.LogProbs, r.LogProbs...)
	} else {
		all.LogProbs = nil
	}
}

// episodeAdvantages gives each episode its sequence advantage from its return, then spreads it
// over the tokens of each of its tries.
func episodeAdvantages(c AdvantageConfig, b *Batch) (adv, ret [][]float64, err error) {
	s, err := SequenceAdvantages(c, b.Scores.Values, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]float64, len(b.Episode))
	for i, e := range b.Episode {
		rows[i] = s[e]
	}
	adv, ret = TokenAdvantages(c, rows, b.LogProbs, b.Ref, nil)
	return adv, ret, nil
}
