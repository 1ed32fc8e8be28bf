package rl

import (
	"math"
	"strings"
	"testing"
)

// Dr. GRPO's advantage is r minus the group's mean, not divided by the group's std.
func TestGroupCenter(t *testing.T) {
	got, err := GroupCenter([]float64{1, 0, 0, 0, 2, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "groups of 2", got, []float64{0.5, -0.5, 0, 0, 0, 0}, 1e-12)
	c := AdvantageConfig{Algo: GRPO, Group: 4, Center: true}
	got, _ = SequenceAdvantages(c, []float64{1, 0, 0, 0}, nil, nil)
	near(t, "grpo, centred", got, []float64{0.75, -0.25, -0.25, -0.25}, 1e-12)
	if _, err := GroupCenter([]float64{1, 2, 3}, 2); err == nil {
		t.Fatal("want an error for a ragged group")
	}
}

// With token_sum a sequence's loss is its token sum over max_tokens: on the first mini-batch of a
// step (the policy is the rollout's, so every ratio is 1) the policy loss is
// -sum_i sum_t A_it / max_tokens / rows, where the token mean gives -sum_i mean_t A_it / rows.
func TestTokenSumWeighsEveryTokenAlike(t *testing.T) {
	a, c := tinyActor(t)
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Epochs, cfg.MiniBatches, cfg.MicroBatch = 2, 4, 12, 1, 1, 0
	cfg.TokenSum = true
	tr, b := firstExperience(t, a, c.Tok, yanTask(), cfg)
	// The untrained world model writes the same 12 tokens whatever the code, so every reward and
	// advantage is alike: cut row i's completion to 4 + i%8 tokens (a prefix, with its actions
	// and log-probs) and give its tokens advantages of either sign.
	for i := range b.Tokens {
		k := 4 + i%8
		b.Tokens[i], b.Actions[i], b.LogProbs[i], b.Ref[i] = b.Tokens[i][:k], b.Actions[i][:k], b.LogProbs[i][:k], b.Ref[i][:k]
		b.Adv[i], b.Ret[i] = b.Adv[i][:k], b.Ret[i][:k]
		for t := range b.Adv[i] {
			b.Adv[i][t] = float64(i%3-1) + 0.1*float64(t)
		}
	}
	sum, mean, lengths := 0.0, 0.0, map[int]bool{}
	for _, adv := range b.Adv {
		s := 0.0
		for _, v := range adv {
			s += v
		}
		sum -= s / float64(cfg.MaxTokens) / float64(len(b.Adv))
		mean -= s / float64(len(adv)) / float64(len(b.Adv))
		lengths[len(adv)] = true
	}
	if len(lengths) < 2 || math.Abs(sum-mean) < 1e-3 {
		t.Fatalf("completions of lengths %v: the two losses (%g, %g) do not tell token sums from means", lengths, sum, mean)
	}
	st, err := tr.Update(b)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.loss-sum) > 1e-4 {
		t.Fatalf("policy loss %g: want the token sums' %g (the token means give %g)", st.loss, sum, mean)
	}
}

// scale_rewards = false reaches the trainer's advantages: with λ = 1, no KL and no whitening,
// every token of a sample carries r - its group's mean.
func TestUnscaledRewardsCentreEachGroup(t *testing.T) {
	a, c := tinyActor(t)
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Workers = 1, 4, 6, 1
	cfg.ScaleRewards, cfg.Whiten, cfg.KLCoef, cfg.Lambda = false, false, 0, 1
	calls := 0.0
	tk := Task{Name: "count", Examples: []Example{{Prompt: StoryPrompts[0]}}}
	tk.Reward = RewardFunc(func(string, string, Example) (float64, error) { calls++; return calls - 1, nil })
	_, b := firstExperience(t, a, c.Tok, tk, cfg)
	want := []float64{-1.5, -0.5, 0.5, 1.5} // rewards 0, 1, 2, 3 (one worker scores in order)
	for i, adv := range b.Adv {
		for _, v := range adv {
			if math.Abs(v-want[i]) > 1e-9 {
				t.Fatalf("sample %d: advantages %v, want %g at every token", i, adv, want[i])
			}
		}
	}
}

// A job refuses settings it cannot honour, naming them: Dr. GRPO's unscaled rewards with another
// estimator, and a negative micro-batch.
func TestJobRefusesBadSettings(t *testing.T) {
	for _, c := range []struct {
		set  func(*Job)
		want string
	}{
		{func(j *Job) { j.ScaleRewards, j.Algo = false, RLOO }, "scale_rewards = false is grpo's"},
		{func(j *Job) { j.MicroBatch = -1 }, "micro_batch -1"},
	} {
		j := DefaultJob()
		j.Task = "cd4"
		c.set(&j)
		if err := j.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v", c.want, err)
		}
	}
	j := DefaultJob()
	j.Task = "cd4"
	if err := j.Validate(); err != nil {
		t.Errorf("the default job on cd4: %v", err)
	}
}
