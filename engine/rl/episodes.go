package rl

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"colash/engine/env"
	"colash/model/tokenizer"
)

// Multi-turn RL (Config.Turns > 1). A task with an environment (Task.Env) plays its episodes
// (envEpisodes). Otherwise every sample is an episode of the task as a retry environment
// (engine/env/taskenv.TaskEnv plays the same episodes): the policy continues the transcript, the
// task's reward scores the try, a miss is answered with RetryFeedback and the policy tries
// again, up to Turns tries; the episode's return is its last try's reward. Each try is one row
// of the batch (its prompt: the transcript so far). Advantages are the algorithm's over episodes
// (GRPO: the Group episodes of a prompt normalised together), and every try of an episode
// shares its episode's advantage, each token with its own KL penalty.

// RetryFeedback is the observation after a missed try.
func RetryFeedback(reward float64) string {
	return fmt.Sprintf("\nNot yet (reward %.2g). Try again: ", reward)
}

// episodes plays Group episodes of each example, all episodes' tries of one turn in one batch.
func (t *Trainer) episodes(ctx context.Context, exs []Example, step int) (*Batch, error) {
	var epEx []Example
	var transcripts []string
	for _, ex := range exs {
		for range t.Cfg.Group {
			epEx, transcripts = append(epEx, ex), append(transcripts, ex.Prompt)
		}
	}
	ret := make([]float64, len(epEx))
	var errs Scores
	b, err := t.turns(ctx, step, epEx, transcripts, func(active []int, texts []string, done []bool) error {
		turnEx := make([]Example, len(active))
		for k, e := range active {
			turnEx[k] = epEx[e]
		}
		sc, err := t.score(turnEx, texts)
		if err != nil {
			return err
		}
		errs.Errors += sc.Errors
		if errs.FirstErr == "" {
			errs.FirstErr = sc.FirstErr
		}
		for k, e := range active {
			ret[e] = sc.Values[k]
			if sc.Values[k] >= 1 {
				done[e] = true
			} else {
				transcripts[e] += texts[k] + RetryFeedback(sc.Values[k])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Scores = Scores{Values: ret, Errors: errs.Errors, FirstErr: errs.FirstErr}
	return b, nil
}

// envEpisodes plays Group episodes of each example in the task's environment (Task.Env), every
// episode's action of one turn in one batch. An episode starts at Reset(its example's seed);
// each action is the first line the policy writes (the actor stops at a newline: Job.actor), the
// environment's observation follows it in the transcript, and the episode ends when the
// environment says so or after Turns actions. Its return is the sum of the environment's
// rewards, and every action shares the episode's advantage, as a retried try does.
func (t *Trainer) envEpisodes(ctx context.Context, exs []Example, step int) (*Batch, error) {
	var envs []env.Env
	var epEx []Example
	var transcripts []string
	for _, ex := range exs {
		seed, err := strconv.ParseUint(ex.Meta["seed"], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rl: task %s: an example without an episode seed (%q)", t.Task.Name, ex.Meta["seed"])
		}
		for range t.Cfg.Group {
			e, err := t.Task.Env()
			if err != nil {
				return nil, err
			}
			obs, err := e.Reset(seed)
			if err != nil {
				return nil, err
			}
			envs, epEx, transcripts = append(envs, e), append(epEx, ex), append(transcripts, obs)
		}
	}
	ret := make([]float64, len(envs))
	b, err := t.turns(ctx, step, epEx, transcripts, func(active []int, texts []string, done []bool) error {
		defer clock(&t.times.Score)()
		for k, e := range active {
			action, _, _ := strings.Cut(texts[k], "\n")
			obs, r, end, err := envs[e].Step(action)
			if err != nil {
				return fmt.Errorf("rl: task %s, episode %d: %w", t.Task.Name, e, err)
			}
			ret[e] += r
			transcripts[e] += action + obs
			done[e] = end
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Scores = Scores{Values: ret}
	return b, nil
}

// turns plays episodes turn by turn: each turn the transcripts of the episodes not done (active,
// in order) are continued in one batch, one row each, and settle scores the texts, extends the
// transcripts and marks the episodes that ended. It stops when every episode is done or after
// Turns turns, and returns the rows with each row's episode (Batch.Episode).
func (t *Trainer) turns(ctx context.Context, step int, epEx []Example, transcripts []string,
	settle func(active []int, texts []string, done []bool) error) (*Batch, error) {
	n := len(epEx)
	done, tries := make([]bool, n), 0
	b := &Batch{Rollout: &Rollout{}}
	for turn := 0; turn < t.Cfg.Turns; turn++ {
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
		if err := settle(active, texts, done); err != nil {
			return nil, err
		}
		appendRows(b.Rollout, r)
		b.Episode = append(b.Episode, active...)
		b.Examples, b.Completions = append(b.Examples, turnEx...), append(b.Completions, texts...)
		tries += len(active)
	}
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
