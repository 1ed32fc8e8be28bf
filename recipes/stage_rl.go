package recipes

import (
	"fmt"

	"colash/engine/job"
	"colash/engine/rl"
	"colash/model/tokenizer"
)

// An rl stage runs rl.Job (`colash rl`); the trained model is OUT/<stage>/model.
var rlKind = kind{
	name:     "rl",
	blank:    func() Job { j := rl.DefaultJob(); return &j },
	run:      runJob,
	makes:    []job.Ref{job.ModelRef},
	parallel: true,
	curves:   []string{"reward/mean", "kl", "entropy"},
	reach:    rlReach,
}

// rlReach is the longest prompt plus every turn's new tokens and the feedback between turns.
func rlReach(_ *env, s Stage, tok tokenizer.Tokenizer) (reach, bool) {
	j := s.Job.(*rl.Job)
	if j.Task == "dsp" {
		return reach{}, false // the prompts are in the (unshipped) data file
	}
	t, err := rl.NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.Limit})
	if err != nil || t.Env != nil {
		return reach{}, false // an environment's observations are not known before it plays
	}
	turns := max(j.Turns, 1)
	rc := reach{prompts: examplePrompts(t.Examples), plus: j.MaxTokens * turns, what: fmt.Sprintf("max_tokens %d", j.MaxTokens)}
	if turns > 1 {
		// every try after the first adds the feedback line to the transcript
		rc.plus += (turns - 1) * len(tok.Encode(rl.RetryFeedback(0), tokenizer.EncodeOptions{}))
		rc.what = fmt.Sprintf("%d turns of max_tokens %d and the feedback between them", turns, j.MaxTokens)
	}
	return rc, true
}

func examplePrompts(exs []rl.Example) []string {
	var out []string
	for _, ex := range exs {
		out = append(out, ex.Prompt)
	}
	return out
}
