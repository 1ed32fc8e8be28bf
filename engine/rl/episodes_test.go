package rl

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// Multi-turn experience: an episode ends at its first try that scores 1, or after Turns tries;
// a later try's prompt is the transcript with the feedback; the episode's return is its last
// try's reward, and every token of every try carries its episode's group-normalised return.
func TestEpisodesRetryAndShareTheEpisodeAdvantage(t *testing.T) {
	a, c := tinyActor(t)
	tk := Task{Name: "two-n", Examples: []Example{{Prompt: StoryPrompts[0]}, {Prompt: StoryPrompts[1]}}}
	tk.Reward = RewardFunc(func(_, completion string, _ Example) (float64, error) {
		if strings.Count(completion, "n") >= 2 { // about half the tries of the tiny model
			return 1, nil
		}
		return 0.25, nil
	})
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Turns, cfg.KLCoef, cfg.Whiten, cfg.Lambda = 2, 4, 6, 3, 0, false, 1 // every token: its episode's advantage
	tr, b := firstExperience(t, a, c.Tok, tk, cfg)
	n := cfg.Prompts * cfg.Group
	if len(b.Scores.Values) != n || len(b.Episode) != len(b.Tokens) || len(b.Adv) != len(b.Tokens) {
		t.Fatalf("%d returns, %d rows, %d episode ids, %d advantages", len(b.Scores.Values), len(b.Tokens), len(b.Episode), len(b.Adv))
	}
	rows := map[int][]int{}
	for i, e := range b.Episode {
		rows[e] = append(rows[e], i)
	}
	s, _ := GroupNormalize(b.Scores.Values, cfg.Group)
	retried, solvedLate := 0, 0
	for e := range n {
		tries := rows[e]
		if len(tries) == 0 || len(tries) > cfg.Turns {
			t.Fatalf("episode %d has %d tries", e, len(tries))
		}
		rewards := make([]float64, len(tries))
		for k, i := range tries {
			rewards[k], _ = tk.Reward.Reward("", b.Completions[i], b.Examples[i])
			if k > 0 {
				prev := c.Tok.Decode(b.Prompts[tries[k-1]]) + c.Tok.Decode(b.Tokens[tries[k-1]])
				here := c.Tok.Decode(b.Prompts[i])
				if !strings.Contains(here, "Not yet (reward 0.25). Try again:") || !strings.HasPrefix(here, strings.TrimSpace(prev[:len(prev)/2])) {
					t.Fatalf("episode %d try %d: prompt %q does not continue %q with the feedback", e, k+1, here, prev)
				}
				retried++
			}
			for _, v := range b.Adv[i] {
				if v != s[e] {
					t.Fatalf("episode %d try %d: advantage %v, the episode's is %v", e, k+1, v, s[e])
				}
			}
		}
		for k, r := range rewards[:len(rewards)-1] {
			if r >= 1 {
				t.Fatalf("episode %d went on after try %d scored %v", e, k+1, r)
			}
		}
		last := rewards[len(rewards)-1]
		if b.Scores.Values[e] != last || (last < 1 && len(tries) != cfg.Turns) {
			t.Fatalf("episode %d: return %v, last try %v after %d tries", e, b.Scores.Values[e], last, len(tries))
		}
		if last >= 1 && len(tries) > 1 {
			solvedLate++
		}
	}
	if retried == 0 || solvedLate == 0 || slices.Max(s) <= 0 {
		t.Fatalf("%d retries, %d solved after a retry, advantages %v: the test shows nothing", retried, solvedLate, s)
	}
	t.Logf("%d rows for %d episodes, %d solved after a retry", len(b.Tokens), n, solvedLate)
	m, err := tr.TrainStep(context.Background())
	if err != nil || m["turns/mean"] == nil {
		t.Fatalf("train step: %v, metrics %v", err, m)
	}
}
