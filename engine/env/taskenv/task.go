// Package taskenv makes text environments (engine/env) of colash's RL tasks and agents of its
// models.
package taskenv

import (
	"fmt"

	"colash/engine/rl"
)

// TaskEnv makes an environment of any RL task (rl.NewTask: countdown, story-word, math, ...):
// Reset draws an example by seed and shows its prompt; Step scores the action with the task's
// reward. With Turns > 1 a miss (reward below Solved) is answered with feedback and another
// try, so a single-turn task becomes a multi-turn one: the reward of the episode is that of its
// last action.
type TaskEnv struct {
	Task   rl.Task
	Turns  int     // tries per episode (default 1)
	Solved float64 // a reward at least this ends the episode early (default 1)
	// Feedback is the observation after a miss (default rl.RetryFeedback, what multi-turn RL
	// trains on: "Not yet (reward R). Try again: ").
	Feedback func(reward float64) string

	ex    rl.Example
	turn  int
	ended bool
	last  float64
}

// NewTaskEnv is the environment of a built-in task, with turns tries.
func NewTaskEnv(task string, o rl.TaskOptions, turns int) (*TaskEnv, error) {
	t, err := rl.NewTask(task, o)
	if err != nil {
		return nil, err
	}
	return &TaskEnv{Task: t, Turns: turns}, nil
}

func (e *TaskEnv) Reset(seed uint64) (string, error) {
	if len(e.Task.Examples) == 0 {
		return "", fmt.Errorf("env: task %s has no examples", e.Task.Name)
	}
	e.ex = e.Task.Examples[seed%uint64(len(e.Task.Examples))]
	e.turn, e.ended, e.last = 0, false, 0
	return e.ex.Prompt, nil
}

// Step scores action. Rewards are differences, so that an episode's return is the reward of
// its last action (a later, better try is not paid twice).
func (e *TaskEnv) Step(action string) (string, float64, bool, error) {
	if e.ended {
		return "", 0, true, fmt.Errorf("env: step after the episode ended (call Reset)")
	}
	r, err := e.Task.Reward.Reward(e.ex.Prompt, action, e.ex)
	if err != nil {
		return "", 0, false, err
	}
	e.turn++
	delta := r - e.last
	e.last = r
	if r >= e.solved() || e.turn >= max(e.Turns, 1) {
		e.ended = true
		return "", delta, true, nil
	}
	fb := e.Feedback
	if fb == nil {
		fb = rl.RetryFeedback
	}
	return fb(r), delta, false, nil
}

func (e *TaskEnv) solved() float64 {
	if e.Solved == 0 {
		return 1
	}
	return e.Solved
}

// Example is the episode's problem (its answer, for inspection).
func (e *TaskEnv) Example() rl.Example { return e.ex }
