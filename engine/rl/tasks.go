package rl

import (
	"cmp"
	"fmt"
	"strings"

	"colash/engine/eval"
	"colash/models"
)

// StoryPrompts are openings in the style of TinyStories, for the toy tasks on the stories models.
var StoryPrompts = models.StoryPrompts

// TaskOptions tune the built-in tasks.
type TaskOptions struct {
	Words  []string // story-word, story-words: target words (default "friend", "friends")
	Limit  int      // math: first Limit problems (0: all)
	Data   string   // dsp: the DSP JSON file
	Domain string   // dsp: the preferred domain
}

// TaskNames lists the built-in tasks.
var TaskNames = []string{"story-word", "story-words", "story-end", "math", "countdown", "dsp",
	"cd3", "cd4", "arith", "cd3-test", "cd4-test", "arith-test", "household", "household-test", "household-unseen"}

// NewTask builds a built-in task:
//
//	story-word   story openings; reward 1 if the continuation has one of the target words
//	story-words  the same, reward = fraction of the continuation's words that are targets
//	story-end    reward 1 if the continuation ends a sentence (Format)
//	math         the 7,500 MATH training problems in the released prompt; reward 1 for a correct
//	             \boxed answer (evaluate on MATH-500 with colash eval: the two sets are disjoint)
//	countdown    Limit (default 200) seeded problems, three numbers to a target; exact reward (Countdown)
//	dsp          the DSP queries (Data); the reward is a reward model's score (Job.RewardModel)
//	cd3, cd4, arith                 the testbed's training problems, exactly verified (testbed.go)
//	cd3-test, cd4-test, arith-test  its held-out problems
//	household                       the testbed's household episodes (seen split), played a line
//	                                at a time (turns: actions per episode); reward 1 when solved
//	household-test, household-unseen  held-out episodes of the seen and unseen splits
//	a+b+...                         reward tasks mixed into one pool, each scored by its own
//	                                reward (cd3+cd4: a curriculum; mix.go)
func NewTask(name string, o TaskOptions) (Task, error) {
	if strings.Contains(name, "+") {
		return mixTask(name, o)
	}
	if t, ok, err := testbedTask(name, o.Limit); ok {
		return t, err
	}
	if t, ok, err := householdTask(name, o.Limit); ok {
		return t, err
	}
	words := o.Words
	if len(words) == 0 {
		words = []string{"friend", "friends"}
	}
	stories := func() []Example {
		var out []Example
		for _, p := range StoryPrompts {
			out = append(out, Example{Prompt: p})
		}
		return out
	}
	switch name {
	case "story-word":
		return Task{Name: name, Examples: stories(), Reward: ContainsWord{Words: words}}, nil
	case "story-words":
		return Task{Name: name, Examples: stories(), Reward: ContainsWord{Words: words, Fraction: true}}, nil
	case "story-end":
		return Task{Name: name, Examples: stories(), Reward: Format{}}, nil
	case "math":
		exs := MathExamples(eval.MathTrain())
		if o.Limit > 0 && o.Limit < len(exs) {
			exs = exs[:o.Limit]
		}
		return Task{Name: name, Examples: exs, Reward: MathAnswer{}}, nil
	case "dsp":
		return dspTask(o)
	case "math500":
		return Task{}, fmt.Errorf("rl: task math500 would train on the test set: train on \"math\" (MATH train) and evaluate with colash eval math500")
	case "countdown":
		return Task{Name: name, Examples: countdownExamples(cmp.Or(o.Limit, 200), 1), Reward: Countdown{FormatScore: 0.1}}, nil
	}
	return Task{}, fmt.Errorf("rl: unknown task %q (have %s)", name, strings.Join(TaskNames, ", "))
}

// MathExamples are MATH problems in the released prompt, rewarded by MathAnswer; problems
// without an answer (two source solutions box nothing) are left out.
func MathExamples(probs []eval.Problem) []Example {
	var exs []Example
	for _, p := range probs {
		if p.Answer != "" {
			exs = append(exs, Example{Prompt: eval.MathPrompt(p.Problem), Answer: p.Answer, Meta: map[string]string{"id": p.ID, "solution": p.Solution}})
		}
	}
	return exs
}
