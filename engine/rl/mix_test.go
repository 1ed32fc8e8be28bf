package rl

import (
	"strings"
	"testing"

	"colash/engine/tasks"
)

// A mix pools its tasks' examples and scores each by its own task's verifier: a cd3 solution
// scores on its cd3 problem, and the same text given as the cd4 problem of the same index does not.
func TestMixedTaskScoresEachExampleByItsOwnTask(t *testing.T) {
	mix, err := NewTask("cd3+cd4", TaskOptions{Limit: 6})
	if err != nil {
		t.Fatal(err)
	}
	if len(mix.Examples) != 12 {
		t.Fatalf("cd3+cd4 at limit 6: %d examples, want 12", len(mix.Examples))
	}
	for part, at := range map[string]int{"cd3": 0, "cd4": 6} {
		spec := testbedTasks[part]
		items, _ := tasks.Load(spec.task, spec.level, 6, spec.seed)
		for i, it := range items {
			ex := mix.Examples[at+i]
			if ex.Prompt != it.Prompt() || ex.Meta[mixKey] != part {
				t.Fatalf("example %d: %q from %q, want %s problem %d", at+i, ex.Prompt, ex.Meta[mixKey], part, i)
			}
			if r, err := mix.Reward.Reward(ex.Prompt, it.Solution(), ex); r != 1 || err != nil {
				t.Fatalf("%s %d: its solution scores %g (%v)", part, i, r, err)
			}
			other := mix.Examples[(at+6)%12+i] // the other task's problem of the same index
			if r, _ := mix.Reward.Reward(other.Prompt, it.Solution(), other); r != 0 {
				t.Fatalf("%s %d's solution scores %g on %s", part, i, r, other.Meta[mixKey])
			}
		}
	}
	if _, err := mix.Reward.Reward("x", "Answer: 1", Example{Prompt: "x"}); err == nil {
		t.Fatal("an example from neither task is scored")
	}
	for name, want := range map[string]string{"cd3+cd3": "twice", "cd4+household": "cannot be mixed", "cd4+nope": "unknown task"} {
		if _, err := NewTask(name, TaskOptions{Limit: 2}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, want)
		}
	}
}
