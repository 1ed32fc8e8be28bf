package rl

import (
	"testing"

	"colash/engine/tasks"
)

func TestTestbedTasksRewardTheVerifier(t *testing.T) {
	for _, name := range []string{"cd3", "cd4-test", "arith"} {
		tk, err := NewTask(name, TaskOptions{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(tk.Examples) != 20 {
			t.Fatalf("%s: %d examples", name, len(tk.Examples))
		}
		spec := testbedTasks[name]
		items, _ := tasks.Load(spec.task, spec.level, 20, spec.seed)
		for i, ex := range tk.Examples {
			right, _ := tk.Reward.Reward(ex.Prompt, items[i].Solution(), ex)
			wrong, _ := tk.Reward.Reward(ex.Prompt, "Answer: 1+1\n", ex)
			if right != 1 || wrong != 0 {
				t.Fatalf("%s %d: worked solution scores %g, a wrong answer %g", name, i, right, wrong)
			}
		}
		if _, err := tk.Reward.Reward("x", "Answer: 1", Example{Prompt: "x"}); err == nil {
			t.Fatalf("%s: an example from elsewhere is scored", name)
		}
	}
	train, _ := NewTask("cd4", TaskOptions{Limit: 5})
	test, _ := NewTask("cd4-test", TaskOptions{Limit: 5})
	if train.Examples[0].Prompt == test.Examples[0].Prompt {
		t.Fatal("training and held-out problems are the same")
	}
}
