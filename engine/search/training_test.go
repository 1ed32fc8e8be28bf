package search

import (
	"strings"
	"testing"

	"colash/engine/eval"
	"colash/engine/rl"
)

// Jobs that train (qnet collect, reward-model references and samples) refuse MATH-500, the
// evaluation set, by name and by prompt, and say why; MATH train passes.
func TestTrainingRefusesMath500(t *testing.T) {
	_, err := TrainingTask("math500", rl.TaskOptions{Limit: 2})
	if err == nil || !strings.Contains(err.Error(), "math500") || !strings.Contains(err.Error(), "evaluation set") {
		t.Fatalf("math500 as training data: %v", err)
	}
	train, err := TrainingTask("math", rl.TaskOptions{Limit: 2})
	if err != nil {
		t.Fatalf("math (MATH train): %v", err)
	}
	if err := CheckTrainingPrompts([]string{train.Examples[0].Prompt, train.Examples[1].Prompt}); err != nil {
		t.Fatalf("MATH train prompts: %v", err)
	}
	test := rl.MathExamples(eval.Math500())[7].Prompt
	err = CheckTrainingPrompts([]string{train.Examples[0].Prompt, test})
	if err == nil || !strings.Contains(err.Error(), "example 1 is a MATH-500 problem") {
		t.Fatalf("a MATH-500 prompt among training data: %v", err)
	}
}
