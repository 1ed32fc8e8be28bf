package search

import (
	"context"
	"strings"
	"testing"

	"colash/engine/rl"
)

// A guide scores the search; the answer it finds is judged by the task's reward: with a guide
// that scores every answer 0.5, records keep 0.5 as their guide score and their reward is the
// task's own (0 or 1, the target word present or not).
func TestEvaluateJudgesTheGuidedAnswerByTheTask(t *testing.T) {
	m := openTiny(t)
	tk, err := NewTask("story-target", rl.TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	half := rl.RewardFunc(func(string, string, rl.Example) (float64, error) { return 0.5, nil })
	cfg := Math500()
	cfg.SimTokens, cfg.AnswerTokens = 24, 24
	cm := &CoLA{M: m.CoLA, TopK: 40, Reuse: true, Stops: m.Tok.StopTokens()}
	res, err := Evaluate(context.Background(), cm, m.Tok, tk, Options{Method: "best-of-n", Config: cfg, N: 2}, Scoring{N: 6, Success: 1, Guide: half}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scorer != "reward-model" || len(res.Records) != 6 {
		t.Fatalf("scorer %q, %d records", res.Scorer, len(res.Records))
	}
	for i, r := range res.Records {
		want, _ := tk.Reward.Reward(tk.Examples[i].Prompt, r.Answer, tk.Examples[i])
		if r.Score != 0.5 || r.Reward != want || r.Success != (want >= 1) {
			t.Fatalf("record %d: score %v reward %v success %v; the task gives %v to %q", i, r.Score, r.Reward, r.Success, want, r.Answer)
		}
	}
}

// Math tasks are scored by the grader against the gold answer: a job must name a reward model
// or say oracle, and not both.
func TestJobRefusesAnUnlabelledOracle(t *testing.T) {
	j := DefaultJob()
	j.Task, j.Methods, j.N = "math500", []string{"greedy"}, 2
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "oracle") {
		t.Fatalf("math500 without a scorer: %v", err)
	}
	j.Oracle = true
	if err := j.Validate(); err != nil {
		t.Fatalf("labelled oracle: %v", err)
	}
	j.RewardModel = "rm"
	if err := j.Validate(); err == nil {
		t.Fatal("oracle and a reward model together were accepted")
	}
	j.Oracle = false
	if err := j.Validate(); err != nil {
		t.Fatalf("reward model: %v", err)
	}
	j.Task, j.RewardModel = "story-target", ""
	j.Methods = []string{"mcts-q"}
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "Q-network") {
		t.Fatalf("mcts-q without a Q-network: %v", err)
	}
}

// Problems searched together are evaluated as one at a time: the same records and forward
// tokens, whether the batch divides the problems or not.
func TestEvaluateBatchedAsOneAtATime(t *testing.T) {
	m := openTiny(t)
	tk, err := NewTask("story-target", rl.TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Math500()
	cfg.T, cfg.SimTokens, cfg.AnswerTokens, cfg.D, cfg.Restarts, cfg.CompleteTokens = 3, 12, 12, 12, 0, 0
	var runs []*Results
	for _, batch := range []int{1, 3} {
		cm := &CoLA{M: m.CoLA, TopK: 40, Reuse: true, Stops: m.Tok.StopTokens()}
		res, err := Evaluate(context.Background(), cm, m.Tok, tk, Options{Method: "mcts", Config: cfg, Seed: 4}, Scoring{N: 5, Success: 1, Batch: batch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, res)
	}
	a, b := runs[0], runs[1]
	if a.Forward != b.Forward || len(a.Records) != 5 || len(b.Records) != 5 {
		t.Fatalf("one at a time %+v (%d records), three together %+v (%d)", a.Forward, len(a.Records), b.Forward, len(b.Records))
	}
	for i := range a.Records {
		if a.Records[i] != b.Records[i] {
			t.Fatalf("record %d: %+v one at a time, %+v together", i, a.Records[i], b.Records[i])
		}
	}
}

// Tasks whose reward reads a target the prompt lacks are oracle-scored, in the task list and in
// the results and table a job gives; countdown (its target is in the prompt) and story-word (the
// same words for every problem) are not.
func TestHiddenTargetTasksAreLabelledOracle(t *testing.T) {
	for name, want := range map[string]bool{"story-target": true, "story-pair": true, "math500": true,
		"countdown": false, "story-word": false, "cd3": false} {
		tk, err := NewTask(name, rl.TaskOptions{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if OracleScored(tk) != want {
			t.Errorf("%s: oracle-scored %v, want %v", name, !want, want)
		}
		if labelled := strings.Contains(TaskNames(), name+" (oracle)"); labelled != want {
			t.Errorf("%s: labelled oracle in the task list %v, want %v", name, labelled, want)
		}
	}
	m := openTiny(t)
	for task, want := range map[string]bool{"story-pair": true, "countdown": false} {
		j := DefaultJob()
		j.Task, j.Methods, j.N, j.Budget = task, []string{"greedy"}, 1, 60
		j.SimTokens, j.AnswerTokens = 4, 4
		rs, err := RunJob(context.Background(), m, j, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Oracle != want || (rs[0].Scorer == "oracle") != want || strings.Contains(Table(rs), "(oracle)") != want {
			t.Errorf("%s: oracle %v, scorer %q, table %q; want oracle %v", task, rs[0].Oracle, rs[0].Scorer, Table(rs), want)
		}
	}
}
