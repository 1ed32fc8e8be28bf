package search

import (
	"fmt"
	"strings"

	"colash/engine/eval"
	"colash/engine/rl"
)

// TargetWords are story-target's words: each story opening is asked for each of them.
var TargetWords = []string{"friend", "dog", "ball", "cat", "tree", "bird", "cake"}

// TargetPairs are story-pair's pairs of words.
var TargetPairs = [][2]string{{"friend", "dog"}, {"ball", "tree"}, {"cat", "bird"}, {"happy", "park"},
	{"mom", "cake"}, {"sun", "flower"}, {"toy", "box"}}

// NewTask is an engine task (rl.NewTask) or one of two story tasks with more problems than the
// 16 openings of the engine's story tasks:
//
//	story-target  every opening with every TargetWords word (112 problems): reward 1 when the
//	              continuation has the problem's word (whole word, any case)
//	story-pair    every opening with every TargetPairs pair (112): reward = the fraction of the
//	              two words the continuation has, success = both
//	math500       the MATH-500 test problems (search evaluates; RL trains on the "math" task)
func NewTask(name string, o rl.TaskOptions) (rl.Task, error) {
	switch name {
	case "story-pair":
		return storyPair(), nil
	case "math500":
		exs := rl.MathExamples(eval.Math500())
		if o.Limit > 0 && o.Limit < len(exs) {
			exs = exs[:o.Limit]
		}
		return rl.Task{Name: name, Examples: exs, Reward: rl.MathAnswer{}}, nil
	}
	if name != "story-target" {
		t, err := rl.NewTask(name, o)
		if err != nil {
			return t, fmt.Errorf("search: unknown task %q (have %s)", name, TaskNames())
		}
		return t, nil
	}
	words := o.Words
	if len(words) == 0 {
		words = TargetWords
	}
	var exs []rl.Example
	for _, w := range words {
		for _, p := range rl.StoryPrompts {
			exs = append(exs, rl.Example{Prompt: p, Answer: w})
		}
	}
	reward := rl.RewardFunc(func(p, c string, ex rl.Example) (float64, error) {
		if ex.Answer == "" {
			return 0, fmt.Errorf("story-target: example has no target word")
		}
		return rl.ContainsWord{Words: []string{ex.Answer}}.Reward(p, c, ex)
	})
	return rl.Task{Name: name, Examples: exs, Reward: reward}, nil
}

func storyPair() rl.Task {
	var exs []rl.Example
	for _, w := range TargetPairs {
		for _, p := range rl.StoryPrompts {
			exs = append(exs, rl.Example{Prompt: p, Answer: w[0] + " " + w[1]})
		}
	}
	reward := rl.RewardFunc(func(p, c string, ex rl.Example) (float64, error) {
		words := strings.Fields(ex.Answer)
		if len(words) == 0 {
			return 0, fmt.Errorf("story-pair: example has no target words")
		}
		hits := 0.0
		for _, w := range words {
			v, _ := rl.ContainsWord{Words: []string{w}}.Reward(p, c, ex)
			hits += v
		}
		return hits / float64(len(words)), nil
	})
	return rl.Task{Name: "story-pair", Examples: exs, Reward: reward}
}

// hiddenTarget are the tasks whose reward reads a per-problem target the prompt does not contain
// (the word is in Example.Answer; the prompt is a plain story opening). A search scored by that
// reward is told what the model cannot read, which is an oracle as math's grader against the
// gold answer is. Countdown's target is in its prompt, and story-word's words are the task's,
// the same for every problem: neither is an oracle.
var hiddenTarget = map[string]bool{"story-target": true, "story-pair": true}

// OracleScored says whether scoring a task's rollouts with its own reward is an oracle: the
// reward reads a gold answer or a target that is not in the prompt.
func OracleScored(t rl.Task) bool { return goldScored(t) || hiddenTarget[t.Name] }

// TaskNames are the tasks NewTask knows, those whose reward is an oracle labelled.
func TaskNames() string {
	names := []string{"story-target (oracle)", "story-pair (oracle)", "math500 (oracle)"}
	return strings.Join(append(names, rl.TaskNames...), ", ")
}

// errEvaluationSet is why no job may train on MATH-500.
const errEvaluationSet = "MATH-500 is the evaluation set (colash search --task math500, colash eval math500): " +
	"training on it (Q-network samples, reward-model data) would measure the method on problems it has seen; train on \"math\" (MATH train)"

// TrainingTask is NewTask for jobs whose output trains a model (qnet collect, a reward model's
// references): it refuses math500.
func TrainingTask(name string, o rl.TaskOptions) (rl.Task, error) {
	if name == "math500" {
		return rl.Task{}, fmt.Errorf("task math500: %s", errEvaluationSet)
	}
	return NewTask(name, o)
}

// CheckTrainingPrompts refuses training data with a MATH-500 problem among its prompts, whatever
// file or task it came from.
func CheckTrainingPrompts(prompts []string) error {
	test := map[string]bool{}
	for _, ex := range rl.MathExamples(eval.Math500()) {
		test[ex.Prompt] = true
	}
	for i, p := range prompts {
		if test[p] {
			return fmt.Errorf("training example %d is a MATH-500 problem: %s", i, errEvaluationSet)
		}
	}
	return nil
}
