// Package taskeval evaluates a model on the testbed's verifiable tasks: countdown and arith
// (a completion per problem, checked by the task's exact verifier) and the household
// environment (an episode per seed, success when the goal is reached).
package taskeval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"

	"colash/engine/eval"
	"colash/engine/run"
	"colash/engine/tasks"
)

// Result is one problem's line of the answers file: the problem's fields, plus "completion",
// "answer" (what follows "Answer:") and "correct".
type Result map[string]any

// Summary is what --summary writes.
type Summary struct {
	N                       int     `json:"n"`
	Correct                 int     `json:"correct"`
	Accuracy                float64 `json:"accuracy"`
	CILow                   float64 `json:"ci_low"`  // Wilson 95% interval
	CIHigh                  float64 `json:"ci_high"` //
	ForwardTokensPerProblem float64 `json:"forward_tokens_per_problem"`
	// PastContext counts the problems (episodes) whose text ran past the model's positions
	// (Config.Context): what the model wrote there it wrote at positions it was not trained on.
	PastContext int `json:"past_context,omitempty"`
}

// Config controls Run.
type Config struct {
	Batch    int       // problems per Generate call (default 16)
	Progress io.Writer // a progress bar (nil: none)
	// Tokens counts the forward tokens of a prompt and its completion (nil: not counted).
	Tokens func(prompt, completion string) int
	// Context is the model's positions (max_position_embeddings): a problem whose forward tokens
	// pass it is counted in Summary.PastContext and marked past_context (0: not checked).
	Context int
}

// pastContext reports whether the model read a prompt and its completion past cfg.Context
// positions (the forward tokens less the one that ended the completion, which no position reads).
func (cfg Config) pastContext(forward int) bool { return cfg.Context > 0 && forward-1 > cfg.Context }

// Run generates one completion for every item, verifies each, and summarises.
func Run(ctx context.Context, gen eval.Generator, items []tasks.Item, cfg Config) ([]Result, Summary, error) {
	if len(items) == 0 {
		return nil, Summary{}, fmt.Errorf("eval: no problems")
	}
	batch := cfg.Batch
	if batch <= 0 {
		batch = 16
	}
	bar := newBar(cfg.Progress, len(items))
	var res []Result
	correct, tokens, past := 0, 0, 0
	for lo := 0; lo < len(items); lo += batch {
		part := items[lo:min(lo+batch, len(items))]
		prompts := make([]string, len(part))
		for i, it := range part {
			prompts[i] = it.Prompt()
		}
		outs, err := gen.Generate(ctx, prompts, 1)
		if err != nil {
			return res, Summary{}, err
		}
		for i, it := range part {
			c := outs[i][0]
			ok, ans := it.Verify(c)
			r := Result{}
			for k, v := range it.Fields() {
				r[k] = v
			}
			r["completion"], r["answer"], r["correct"] = c, ans, ok
			res = append(res, r)
			if ok {
				correct++
			}
			if cfg.Tokens != nil {
				n := cfg.Tokens(prompts[i], c)
				tokens += n
				if cfg.pastContext(n) {
					r["past_context"] = true
					past++
				}
			}
		}
		bar.step(len(part), correct, len(res))
	}
	s := Summarize(correct, len(res), tokens)
	s.PastContext = past
	return res, s, nil
}

// Summarize is the accuracy of correct in n with its Wilson interval, and tokens per problem.
func Summarize(correct, n, tokens int) Summary {
	lo, hi := eval.Wilson(correct, n)
	s := Summary{N: n, Correct: correct, CILow: lo, CIHigh: hi}
	if n > 0 {
		s.Accuracy = float64(correct) / float64(n)
		s.ForwardTokensPerProblem = float64(tokens) / float64(n)
	}
	return s
}

func (s Summary) String() string {
	out := fmt.Sprintf("accuracy %.1f%% (%d of %d; 95%% CI %.1f-%.1f%%), %.0f forward tokens per problem",
		100*s.Accuracy, s.Correct, s.N, 100*s.CILow, 100*s.CIHigh, s.ForwardTokensPerProblem)
	if s.PastContext > 0 {
		out += fmt.Sprintf("; %d ran past the model's context (past_context in their results)", s.PastContext)
	}
	return out
}

// WriteResults writes one JSON line per result.
func WriteResults(path string, res []Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range res {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// WriteSummary writes s as JSON.
func WriteSummary(path string, s Summary) error {
	b, _ := json.MarshalIndent(s, "", "  ")
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, total int) *bar {
	if w == nil {
		return &bar{}
	}
	return &bar{run.NewBar(w, "eval", total)}
}

func (b *bar) step(n, correct, done int) {
	if b.pb == nil {
		return
	}
	b.pb.Describe(fmt.Sprintf("eval acc %5.1f%%", 100*float64(correct)/float64(done)))
	b.pb.Add(n)
}
