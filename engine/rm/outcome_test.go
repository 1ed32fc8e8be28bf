package rm

import (
	"slices"
	"testing"
)

func TestOutcomePairs(t *testing.T) {
	outs := []Outcome{
		{Problem: "a", Prompt: "A?", Response: "a-wrong1", Reward: 0},
		{Problem: "b", Prompt: "B?", Response: "b-wrong", Reward: 0},
		{Problem: "a", Prompt: "A?", Response: "a-right", Reward: 1},
		{Problem: "a", Prompt: "A?", Response: "a-wrong2", Reward: 0.5},
		{Problem: "c", Prompt: "C?", Response: "c-right", Reward: 1}, // nothing wrong to pair with
		{Problem: "d", Prompt: "D?", Response: "d-wrong", Reward: 0}, // nothing right, no reference
	}
	refs := map[string]string{"a": "a-ref", "b": "b-ref"}
	got := OutcomePairs(outs, refs, 0)
	want := []Pair{
		{Prompt: "A?", Chosen: "a-right", Rejected: "a-wrong1"},
		{Prompt: "A?", Chosen: "a-ref", Rejected: "a-wrong2"},
		{Prompt: "B?", Chosen: "b-ref", Rejected: "b-wrong"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pairs\n got %v\nwant %v", got, want)
	}
	if got := OutcomePairs(outs, refs, 1); len(got) != 2 || got[1].Rejected != "b-wrong" {
		t.Fatalf("one pair a problem: %v", got)
	}
	if got := OutcomePairs(outs, nil, 0); len(got) != 2 || got[1].Chosen != "a-right" {
		t.Fatalf("without references: %v", got)
	}
}

// No problem has answers on both sides of the split, and the split does not depend on order.
func TestSplitOutcomesByProblem(t *testing.T) {
	var outs []Outcome
	for i := range 200 {
		outs = append(outs, Outcome{Problem: string(rune('A' + i%40)), Response: "x"})
	}
	train, held := SplitOutcomes(outs, 0.25, 3)
	inTrain := map[string]bool{}
	for _, o := range train {
		inTrain[o.Problem] = true
	}
	for _, o := range held {
		if inTrain[o.Problem] {
			t.Fatalf("problem %q on both sides", o.Problem)
		}
	}
	if len(held) == 0 || len(train) == 0 {
		t.Fatalf("split %d / %d", len(train), len(held))
	}
	slices.Reverse(outs)
	_, held2 := SplitOutcomes(outs, 0.25, 3)
	if len(held2) != len(held) {
		t.Fatalf("the split depends on order: %d vs %d held out", len(held), len(held2))
	}
}
