package main

import (
	"slices"
	"strings"
	"testing"
)

// eval countdown|arith --search is colash search on the held-out problems with answers capped at
// the task's completion length, which a later --answer-tokens overrides.
func TestEvalTaskSearchCapsAnswersAtTheTasksLength(t *testing.T) {
	for _, c := range []struct {
		task string
		args []string
		want []string
	}{
		{"countdown", []string{"--budget", "100"}, []string{"--task", "cd4-test", "--methods", "mcts", "--n", "100", "--answer-tokens", "400", "--budget", "100"}},
		{"countdown", []string{"--level", "cd3", "--n", "7"}, []string{"--task", "cd3-test", "--methods", "mcts", "--n", "7", "--answer-tokens", "400"}},
		{"arith", []string{"--answer-tokens", "50"}, []string{"--task", "arith-test", "--methods", "mcts", "--n", "100", "--answer-tokens", "360", "--answer-tokens", "50"}},
	} {
		got, err := taskSearchArgs(c.task, "mcts", c.args)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s %v: %v %v, want %v", c.task, c.args, got, err, c.want)
		}
	}
	if _, err := taskSearchArgs("countdown", "mcts", []string{"--seed", "3"}); err == nil || !strings.Contains(err.Error(), "seed 2") {
		t.Errorf("--seed 3: %v", err)
	}
	// The flag that comes last wins, so the user's cap replaces the default.
	var mf modelFlags
	var a searchArgs
	got, _ := taskSearchArgs("arith", "greedy", []string{"--answer-tokens", "50"})
	fs, err := searchFlagSet(&mf, &a, got)
	if err != nil || fs.Parse(got) != nil || a.j.Config.AnswerTokens != 50 {
		t.Errorf("a user's --answer-tokens 50: %d (%v)", a.j.Config.AnswerTokens, err)
	}
}
