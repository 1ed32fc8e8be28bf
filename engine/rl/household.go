package rl

import (
	"cmp"
	"strconv"

	"colash/engine/env"
	"colash/engine/env/household"
	"colash/engine/testbed"
)

// The testbed's household environment as RL tasks (the paper's ALFWorld experiment): each
// example is one episode, its seed in Meta["seed"], played a line at a time (envEpisodes).
// household is Limit (default 1000) episodes of the seen split drawn with seed 1, as the
// testbed's corpus draws them; household-test and household-unseen are held-out episodes of the
// seen and unseen splits drawn with seed 2, as colash eval household draws them.
var householdTasks = map[string]struct {
	split string
	seed  uint64
}{
	"household": {"seen", 1}, "household-test": {"seen", 2}, "household-unseen": {"unseen", 2},
}

// householdTask is a household task; the example's prompt is its episode's first observation.
func householdTask(name string, limit int) (Task, bool, error) {
	h, ok := householdTasks[name]
	if !ok {
		return Task{}, false, nil
	}
	newEnv := func() (env.Env, error) { return household.New(household.Config{Split: h.split}) }
	e, err := newEnv()
	if err != nil {
		return Task{}, true, err
	}
	exs := make([]Example, cmp.Or(limit, 1000))
	for i := range exs {
		seed := testbed.EpisodeSeed(h.seed, i)
		obs, err := e.Reset(seed)
		if err != nil {
			return Task{}, true, err
		}
		exs[i] = Example{Prompt: obs, Meta: map[string]string{"seed": strconv.FormatUint(seed, 10)}}
	}
	return Task{Name: name, Examples: exs, Env: newEnv}, true, nil
}
