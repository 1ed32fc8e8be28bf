package rl

import (
	"fmt"
	"maps"
	"strings"
)

// mixKey is the Meta key that names, in a mixed task, the task an example came from.
const mixKey = "mix-task"

// mixTask is the reward tasks a+b+... as one task: their examples in one pool, so that each
// epoch's shuffle draws every task in proportion to its size (cd3+cd4: half and half), and each
// example scored by its own task's reward. A curriculum mixes an easier task, whose groups still
// carry signal, into a harder one. Environment tasks (household) and reward-model tasks (dsp) do
// not mix: they are not scored by a reward of their own.
func mixTask(name string, o TaskOptions) (Task, error) {
	rewards := map[string]Reward{}
	var exs []Example
	for _, part := range strings.Split(name, "+") {
		if _, dup := rewards[part]; dup {
			return Task{}, fmt.Errorf("rl: task %q names %q twice", name, part)
		}
		t, err := NewTask(part, o)
		if err != nil {
			return Task{}, err
		}
		if t.Env != nil || t.Reward == nil {
			return Task{}, fmt.Errorf("rl: task %q cannot be mixed (%q): only tasks with a reward of their own mix", part, name)
		}
		rewards[part] = t.Reward
		for _, ex := range t.Examples {
			ex.Meta = maps.Clone(ex.Meta)
			if ex.Meta == nil {
				ex.Meta = map[string]string{}
			}
			ex.Meta[mixKey] = part
			exs = append(exs, ex)
		}
	}
	reward := RewardFunc(func(prompt, completion string, ex Example) (float64, error) {
		r, ok := rewards[ex.Meta[mixKey]]
		if !ok {
			return 0, fmt.Errorf("rl: %s: example is from none of the mixed tasks", name)
		}
		return r.Reward(prompt, completion, ex)
	})
	return Task{Name: name, Examples: exs, Reward: reward}, nil
}
