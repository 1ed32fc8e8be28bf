package rl

import "testing"

func TestCountdownReward(t *testing.T) {
	ex := Example{Meta: map[string]string{"numbers": "3 5 7", "target": "22"}}
	for _, c := range []struct {
		text string
		want float64
	}{
		{"3*5+7", 1},
		{" (7 + 5) * 3 - 14", 0}, // 14 is not a given number
		{"5*3+7 is the answer. 1+1", 1},
		{"7*3+5\nmore", 0.1}, // 26: well formed, wrong
		{"3*5+7+", 1},        // the trailing operator is not read
		{"3+3+7", 0},         // 3 used twice
		{"22", 0},            // no operator
		{"the cat", 0},
		{"(3*5+7", 0},    // unbalanced: "(" then nothing complete
		{"7/(5-5)", 0},   // division by zero
		{"7*5/5*3+1", 0}, // 5 twice
		{"(5*7-3)/(7-3)", 0},
	} {
		got, err := Countdown{FormatScore: 0.1}.Reward("", c.text, ex)
		if err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.text, got, err, c.want)
		}
	}
	// Exact rationals: 7/3*3 = 7 exactly.
	ex7 := Example{Meta: map[string]string{"numbers": "7 3 3", "target": "7"}}
	if got, _ := (Countdown{}).Reward("", "7/3*3", ex7); got != 1 {
		t.Errorf("7/3*3 = %v, want 1 (exact arithmetic)", got)
	}
	if _, err := (Countdown{}).Reward("", "1+1", Example{}); err == nil {
		t.Error("an example without a target scored")
	}
}

func TestCountdownTask(t *testing.T) {
	task, err := NewTask("countdown", TaskOptions{Limit: 50})
	if err != nil || len(task.Examples) != 50 {
		t.Fatalf("%v, %d examples", err, len(task.Examples))
	}
	for _, ex := range task.Examples {
		// The recorded solution solves the problem: every generated target is reachable.
		if r, err := task.Reward.Reward(ex.Prompt, ex.Answer, ex); err != nil || r != 1 {
			t.Fatalf("%s: solution %q scores %v %v", ex.Prompt, ex.Answer, r, err)
		}
	}
}
