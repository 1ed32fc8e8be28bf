package rl

import (
	"errors"
	"strings"
	"testing"

	"colash/engine/train"
	"colash/internal/testenv"
)

// countingReward is a BatchReward that records its calls: the reward is the completion's length.
type countingReward struct {
	batches, singles int
	fail             bool
}

func (c *countingReward) Reward(_, completion string, _ Example) (float64, error) {
	c.singles++
	return float64(len(completion)), nil
}

func (c *countingReward) RewardBatch(_, completions []string, _ []Example) ([]float64, error) {
	c.batches++
	if c.fail {
		return nil, errors.New("model down")
	}
	out := make([]float64, len(completions))
	for i, s := range completions {
		out[i] = float64(len(s))
	}
	return out, nil
}

// Score hands a BatchReward the whole batch in one call; its failure fails every sample.
func TestScoreBatchesABatchReward(t *testing.T) {
	c := &countingReward{}
	comps := []string{"a", "bbb", "cc"}
	s := Score(c, make([]string, 3), comps, make([]Example, 3), 8)
	if c.batches != 1 || c.singles != 0 || s.Values[1] != 3 || s.Values[2] != 2 || s.Errors != 0 {
		t.Errorf("%d batch calls, %d single calls, scores %+v", c.batches, c.singles, s)
	}
	c.fail = true
	s = Score(c, make([]string, 3), comps, make([]Example, 3), 8)
	if s.Errors != 3 || !strings.Contains(s.FirstErr, "model down") || s.Values[1] != 0 {
		t.Errorf("failing batch: %+v", s)
	}
}

func TestDistinct(t *testing.T) {
	if d := train.Distinct([][]int{{1, 2, 1, 2}, {3}}, 2); d != 2.0/3 {
		t.Errorf("distinct-2 of 1 2 1 2: %v, want 2/3", d)
	}
	if d := train.Distinct([][]int{{1, 2, 1, 3}}, 2); d != 1 {
		t.Errorf("distinct-2 of 1 2 1 3: %v, want 1 (three different bigrams)", d)
	}
	if d := train.Distinct([][]int{{5, 5, 5}, {5, 5}}, 2); d != 1.0/3 {
		t.Errorf("a collapsed batch: %v, want 1/3", d)
	}
}

// The dsp task has one example per DSP query in the paper's template; a job without its reward
// model or with an unknown domain is refused before anything loads.
func TestDSPTask(t *testing.T) {
	data := testenv.Shared(t, "data/dsp/domain_specific_preference.test.json")
	tk, err := NewTask("dsp", TaskOptions{Data: data, Domain: "business"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Examples) != 661 || !strings.HasPrefix(tk.Examples[0].Prompt, "User: ") || tk.Reward != nil || tk.Name != "dsp-business" {
		t.Fatalf("dsp task: %d examples, first %q", len(tk.Examples), tk.Examples[0].Prompt)
	}
	j := DefaultJob()
	j.Task, j.Data, j.Domain = "dsp", data, "business"
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "reward_model") {
		t.Errorf("dsp without a reward model: %v", err)
	}
	j.RewardModel, j.Domain = "somewhere", "normal"
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "domain") {
		t.Errorf("domain normal: %v", err)
	}
}
