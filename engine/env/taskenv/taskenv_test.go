package taskenv

import (
	"context"
	"strings"
	"testing"

	"colash/engine/env"
	"colash/engine/generate"
	"colash/engine/rl"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
	"colash/models"
)

// scripted answers with the given actions in turn.
func scripted(actions ...string) env.Agent {
	i := 0
	return func(_ context.Context, _ string) (string, error) {
		a := actions[min(i, len(actions)-1)]
		i++
		return a, nil
	}
}

func TestTaskEnvRetriesUntilSolved(t *testing.T) {
	e, err := NewTaskEnv("story-word", rl.TaskOptions{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := env.Play(context.Background(), e, 5, scripted(" no", " still no", " a friend came"), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.Turns) != 3 || !ep.Done || ep.Return != 1 || ep.Turns[2].Reward != 1 || ep.Turns[0].Reward != 0 {
		t.Fatalf("episode: %+v", ep)
	}
	prompt := rl.StoryPrompts[5%len(rl.StoryPrompts)]
	if !strings.HasPrefix(ep.Transcript, prompt+" no\nNot yet (reward 0). Try again:  still no") {
		t.Errorf("transcript: %q", ep.Transcript)
	}
	// Solved at once: one turn.
	ep, _ = env.Play(context.Background(), e, 5, scripted(" my friend"), 10)
	if len(ep.Turns) != 1 || ep.Return != 1 {
		t.Errorf("solved at once: %+v", ep)
	}
	// Out of tries: the episode ends unsolved.
	ep, _ = env.Play(context.Background(), e, 5, scripted(" no"), 10)
	if len(ep.Turns) != 3 || !ep.Done || ep.Return != 0 {
		t.Errorf("out of tries: %+v", ep)
	}
	// The agent's turn limit can end it first.
	ep, _ = env.Play(context.Background(), e, 5, scripted(" no"), 2)
	if len(ep.Turns) != 2 || ep.Done {
		t.Errorf("maxTurns 2: %+v", ep)
	}
	if _, _, _, err := e.Step("x"); err != nil {
		t.Errorf("a step inside the episode: %v", err)
	}
	if _, _, _, err := e.Step("x"); err == nil {
		t.Error("a step after the episode ended must fail")
	}
}

// Returns are the last action's reward, never more: a fraction reward that rises is paid once.
func TestTaskEnvPaysTheLastReward(t *testing.T) {
	e, _ := NewTaskEnv("story-words", rl.TaskOptions{}, 2)
	ep, err := env.Play(context.Background(), e, 0, scripted(" friend and a cat", " friend friend"), 5)
	if err != nil || len(ep.Turns) != 2 || ep.Return != 1 || ep.Turns[0].Reward <= 0 || ep.Turns[0].Reward >= 1 {
		t.Fatalf("episode: %+v %v", ep, err)
	}
}

// stories is the shipped stories260K, freed when the test ends.
func stories(t *testing.T) *checkpoint.Model {
	t.Helper()
	path, err := models.Resolve("stories260K")
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.Open(path, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

// A model agent writes what the model's greedy continuation of the transcript is.
func TestModelAgent(t *testing.T) {
	m := stories(t)
	opt := generate.Options{MaxTokens: 12}
	agent := ModelAgent(m, generate.Sampling{}, opt, false)
	e, _ := NewTaskEnv("story-word", rl.TaskOptions{}, 2)
	ep, err := env.Play(context.Background(), e, 1, agent, 4)
	if err != nil {
		t.Fatal(err)
	}
	prompt := rl.StoryPrompts[1]
	sess := generate.NewSession(m, 64, generate.Sampling{})
	defer sess.Close()
	var want strings.Builder
	generate.Continue(context.Background(), sess, m.Tok, m.Tok.Encode(prompt, tokenizer.EncodeOptions{BOS: true}), opt, func(s string) { want.WriteString(s) })
	if ep.Turns[0].Action != want.String() || !strings.HasPrefix(ep.Turns[0].Action, " ") {
		t.Errorf("first action %q, want the greedy continuation %q", ep.Turns[0].Action, want.String())
	}
}

// A choice agent writes the admissible action the model scores highest, each read to the end of
// its line; with nothing admissible it is an error, not an empty action.
func TestChoiceAgentTakesTheLikeliestAction(t *testing.T) {
	m := stories(t)
	transcript := "Once upon a time, there was a little"
	acts := []string{" zq", " girl named Lily", " girl", " dog"}
	lp, err := generate.Score(m, transcript, []string{" zq\n", " girl named Lily\n", " girl\n", " dog\n"})
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i := range lp {
		if lp[i] > lp[best] {
			best = i
		}
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}} {
		var offered []string
		for _, i := range order {
			offered = append(offered, acts[i])
		}
		got, err := ChoiceAgent(m, func() []string { return offered })(context.Background(), transcript)
		if err != nil || got != acts[best] {
			t.Errorf("offered %q: chose %q (%v), want %q (scores %v)", offered, got, err, acts[best], lp)
		}
	}
	if _, err := ChoiceAgent(m, func() []string { return nil })(context.Background(), transcript); err == nil {
		t.Error("no admissible action: want an error")
	}
}
