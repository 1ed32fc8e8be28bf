package rl

import (
	"cmp"
	"fmt"
	"strconv"

	"colash/engine/tasks"
)

// The testbed's tasks (engine/tasks), exactly rewarded by their verifiers: cd3, cd4 and arith
// are Limit (default 1000) training problems, drawn with seed 1 as the testbed's pretraining
// corpus is; cd3-test, cd4-test and arith-test are held-out problems, drawn with seed 2 as
// colash eval countdown|arith draws them by default.
var testbedTasks = map[string]struct {
	task, level string
	seed        uint64
}{
	"cd3": {tasks.TaskCountdown, "cd3", 1}, "cd4": {tasks.TaskCountdown, "cd4", 1}, "arith": {tasks.TaskArith, "", 1},
	"cd3-test": {tasks.TaskCountdown, "cd3", 2}, "cd4-test": {tasks.TaskCountdown, "cd4", 2}, "arith-test": {tasks.TaskArith, "", 2},
}

// testbedTask is a testbed task as an RL task: each example keeps its problem's index in Meta,
// and the reward is 1 when the problem's verifier accepts the completion, else 0.
func testbedTask(name string, limit int) (Task, bool, error) {
	t, ok := testbedTasks[name]
	if !ok {
		return Task{}, false, nil
	}
	items, err := tasks.Load(t.task, t.level, cmp.Or(limit, 1000), t.seed)
	if err != nil {
		return Task{}, true, err
	}
	exs := make([]Example, len(items))
	for i, it := range items {
		exs[i] = Example{Prompt: it.Prompt(), Meta: map[string]string{"item": strconv.Itoa(i)}}
	}
	reward := RewardFunc(func(_, completion string, ex Example) (float64, error) {
		i, err := strconv.Atoi(ex.Meta["item"])
		if err != nil || i < 0 || i >= len(items) || items[i].Prompt() != ex.Prompt {
			return 0, fmt.Errorf("%s: example is not one of the task's problems", name)
		}
		return tasks.Reward(items[i], completion), nil
	})
	return Task{Name: name, Examples: exs, Reward: reward}, true, nil
}
