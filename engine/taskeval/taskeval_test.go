package taskeval

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"colash/engine/env"
	"colash/engine/env/household"
	"colash/engine/tasks"
)

// oracle answers every other problem with its worked solution and the rest with nonsense.
type oracle struct{ items map[string]tasks.Item }

func (o oracle) Generate(_ context.Context, prompts []string, k int) ([][]string, error) {
	out := make([][]string, len(prompts))
	for i, p := range prompts {
		c := "Answer: 1+1\n"
		if len(p)%2 == 0 {
			c = o.items[p].Solution()
		}
		out[i] = []string{c}
	}
	return out, nil
}

func TestRunVerifiesEveryCompletion(t *testing.T) {
	items, err := tasks.Load("countdown", "cd3", 60, 4)
	if err != nil {
		t.Fatal(err)
	}
	o := oracle{map[string]tasks.Item{}}
	want := 0
	for _, it := range items {
		o.items[it.Prompt()] = it
		if len(it.Prompt())%2 == 0 {
			want++
		}
	}
	res, s, err := Run(context.Background(), o, items, Config{Batch: 7, Tokens: func(p, c string) int { return len(p) + len(c) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 60 || s.Correct != want || len(res) != 60 {
		t.Fatalf("summary %+v, want %d of 60 correct", s, want)
	}
	for i, r := range res {
		if r["correct"] != (len(items[i].Prompt())%2 == 0) || r["nums"] == nil || r["target"] == nil {
			t.Fatalf("result %d: %v", i, r)
		}
	}
	if s.ForwardTokensPerProblem <= 0 || !(s.CILow < s.Accuracy && s.Accuracy < s.CIHigh) {
		t.Fatalf("summary %+v", s)
	}
}

// A problem whose prompt and completion pass the model's positions is counted and marked, and
// the summary line says so; at the boundary it is not.
func TestRunCountsProblemsPastTheContext(t *testing.T) {
	items, err := tasks.Load("countdown", "cd3", 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	o := oracle{map[string]tasks.Item{}}
	want, positions := 0, 0
	for _, it := range items {
		o.items[it.Prompt()] = it
		positions = max(positions, len(it.Prompt())) // every solution is longer than "Answer: 1+1\n"
	}
	tokens := func(p, c string) int { return len(p) + len(c) + 1 }
	for _, it := range items {
		c := "Answer: 1+1\n"
		if len(it.Prompt())%2 == 0 {
			c = it.Solution()
		}
		if len(it.Prompt())+len(c) > positions+12 {
			want++
		}
	}
	res, s, err := Run(context.Background(), o, items, Config{Tokens: tokens, Context: positions + 12})
	if err != nil {
		t.Fatal(err)
	}
	if want == 0 || want == len(items) || s.PastContext != want {
		t.Fatalf("%d past the context, want %d of %d", s.PastContext, want, len(items))
	}
	marked := 0
	for _, r := range res {
		if r["past_context"] == true {
			marked++
		}
	}
	if marked != want || !strings.Contains(s.String(), fmt.Sprintf("%d ran past the model's context", want)) {
		t.Errorf("%d results marked, summary %q; want %d", marked, s, want)
	}
	if _, s, _ = Run(context.Background(), o, items, Config{Tokens: tokens}); s.PastContext != 0 || strings.Contains(s.String(), "context") {
		t.Errorf("unchecked context: %+v %q", s, s)
	}
}

func TestEpisodesExpertAndIdle(t *testing.T) {
	cfg := household.Config{Split: "unseen"}
	seeds := []uint64{1, 2, 3, 4, 5}
	plans := map[string][]string{}
	for _, s := range seeds {
		tr, acts, err := household.Expert(cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(tr, household.Prompt)
		plans[first] = acts
	}
	expert := func(_ context.Context, transcript string) (string, error) {
		for first, acts := range plans {
			if strings.HasPrefix(transcript, first) {
				return acts[strings.Count(transcript, household.Prompt)-1], nil
			}
		}
		return "look", nil
	}
	_, s, err := Episodes(context.Background(), fixed(expert), cfg, seeds, Config{})
	if err != nil || s.Correct != 5 {
		t.Fatalf("expert: %+v, %v", s, err)
	}
	idle := func(context.Context, string) (string, error) { return "look", nil }
	_, s, err = Episodes(context.Background(), fixed(idle), cfg, seeds, Config{})
	if err != nil || s.Correct != 0 {
		t.Fatalf("idle agent: %+v, %v", s, err)
	}
	// An idle agent's episodes run to the step limit: their last transcripts pass 300 positions.
	res, s, err := Episodes(context.Background(), fixed(idle), cfg, seeds[:2], Config{Tokens: func(p, c string) int { return len(p) + len(c) + 1 }, Context: 300})
	if err != nil || s.PastContext != 2 || res[0]["past_context"] != true {
		t.Fatalf("idle agent, 300 positions: %+v, %v", s, err)
	}
}

// fixed is an agent that does not read the environment.
func fixed(a env.Agent) func(*household.Env) env.Agent {
	return func(*household.Env) env.Agent { return a }
}

// An evaluation's default length holds a whole arith solution in either format (a character is a
// token for the testbed's tokenizer), so a model trained on digits is not cut before its answer.
func TestArithMaxTokens(t *testing.T) {
	limit, longest := DefaultJob(tasks.TaskArith).CompletionTokens(), 0
	for _, p := range tasks.GenerateArith(5000, 2) {
		for _, f := range tasks.ArithFormats() {
			p.Format = f
			longest = max(longest, len(p.Solution()))
		}
	}
	if longest >= limit || longest < 200 {
		t.Errorf("the longest solution has %d characters; the default limit is %d tokens", longest, limit)
	}
}
