package torch

import (
	"colash/engine/env"
	"colash/engine/rl"
	"colash/stdlib/backend"
)

// NewEnv implements backend.EnvRuntime: a built-in task as a text environment with turns tries.
func (r *Runtime) NewEnv(task string, turns int) (backend.Env, error) {
	return env.NewTaskEnv(task, rl.TaskOptions{}, turns)
}
