package rl

import (
	"context"
	"slices"
	"testing"

	"colash/model/tokenizer"
)

// A shard of a batch (rows first.. generated alone, on their streams) samples what the whole
// batch samples in those rows: sharded rollouts are one process's rollouts.
func TestShardSamplesWhatTheBatchSamples(t *testing.T) {
	a, c := tinyActor(t)
	var prompts [][]int
	for i := range 8 {
		prompts = append(prompts, c.Tok.Encode(StoryPrompts[i%3], tokenizer.EncodeOptions{BOS: true}))
	}
	whole, err := a.Generate(context.Background(), prompts, 12, 5, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	part, err := a.Generate(context.Background(), prompts[3:], 12, 5, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range part.Actions {
		if !slices.Equal(part.Actions[i], whole.Actions[3+i]) || !slices.Equal(part.Tokens[i], whole.Tokens[3+i]) {
			t.Fatalf("row %d: codes %v alone, %v in the batch", 3+i, part.Actions[i], whole.Actions[3+i])
		}
	}
}
