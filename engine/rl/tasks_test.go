package rl

import (
	"strings"
	"testing"

	"colash/engine/eval"
)

// The math task trains on MATH train prompts, never on the MATH-500 test set.
func TestMathTaskTrainsOnTheTrainingSet(t *testing.T) {
	tk, err := NewTask("math", TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Examples) != 7498 {
		t.Fatalf("math: %d examples, want the 7,498 training problems with an answer", len(tk.Examples))
	}
	test := map[string]bool{}
	for _, p := range eval.Math500() {
		test[eval.MathPrompt(p.Problem)] = true
	}
	for _, ex := range tk.Examples {
		if test[ex.Prompt] || !strings.HasPrefix(ex.Meta["id"], "train/") || ex.Answer == "" {
			t.Fatalf("example %s (answer %q) is not a training problem", ex.Meta["id"], ex.Answer)
		}
	}
	if r, _ := tk.Reward.Reward("", `so \boxed{`+tk.Examples[0].Answer+`}`, tk.Examples[0]); r != 1 {
		t.Errorf("the gold answer scores %v", r)
	}
	if tk, _ := NewTask("math", TaskOptions{Limit: 5}); len(tk.Examples) != 5 {
		t.Errorf("limit 5: %d examples", len(tk.Examples))
	}
	if _, err := NewTask("math500", TaskOptions{}); err == nil || !strings.Contains(err.Error(), "test set") {
		t.Errorf("math500 as an RL task: %v", err)
	}
}
