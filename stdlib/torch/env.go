package torch

import (
	"colash/engine/env"
	"colash/engine/env/taskenv"
	"colash/engine/rl"
)

// NewEnv implements backend.EnvRuntime: a built-in task as a text environment with turns tries.
func (r *Runtime) NewEnv(task string, turns int) (env.Env, error) {
	return taskenv.NewTaskEnv(task, rl.TaskOptions{}, turns)
}
