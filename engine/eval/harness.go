package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Generator produces model completions; the harness knows nothing else about
// the model, so tests and other backends can stand in for it.
type Generator interface {
	// Generate returns k completions for each prompt (len(out)==len(prompts), len(out[i])==k).
	Generate(ctx context.Context, prompts []string, k int) ([][]string, error)
}

// Config controls Run. Zero values pick the defaults noted per field.
type Config struct {
	N        int                 // problems to evaluate from the start of the list; 0 = all
	Samples  int                 // completions per problem (k); default 1
	Batch    int                 // prompts per Generate call; default 8
	Template func(string) string // question → prompt; default MathPrompt
	OutPath  string              // JSONL record of every problem; enables resuming
	Progress io.Writer           // progress line (e.g. os.Stderr); nil = silent
	Grading  Mode                // how answers are graded; default PRM800K
}

// MathPrompt is CoLA's math evaluation prompt.
func MathPrompt(q string) string {
	return "User: Please reason step by step, and put your final answer within \\boxed{}.\n\n" + q + "\nAssistant: "
}

// Record is one line of the output JSONL.
type Record struct {
	ID              string   `json:"id"`
	Subject         string   `json:"subject"`
	Level           int      `json:"level"`
	Prompt          string   `json:"prompt"`
	Completions     []string `json:"completions"`
	Extracted       []string `json:"extracted"` // "" where no answer was found
	Gold            string   `json:"gold"`
	Correct         []bool   `json:"correct"`
	Majority        string   `json:"majority"`
	MajorityCorrect bool     `json:"majority_correct"`
}

func (c Config) withDefaults() Config {
	if c.Samples <= 0 {
		c.Samples = 1
	}
	if c.Batch <= 0 {
		c.Batch = 8
	}
	if c.Template == nil {
		c.Template = MathPrompt
	}
	return c
}

// Run generates, extracts and grades answers for probs. With cfg.OutPath set,
// problems already recorded there are not generated again: their records are
// reused, so an interrupted run can simply be started again. On error (for
// example a cancelled ctx) the report covers what was finished so far.
func Run(ctx context.Context, probs []Problem, gen Generator, cfg Config) (*Report, error) {
	if gen == nil {
		return nil, errors.New("eval: nil Generator")
	}
	cfg = cfg.withDefaults()
	if cfg.N > 0 && cfg.N < len(probs) {
		probs = probs[:cfg.N]
	}
	seen := make(map[string]bool, len(probs))
	for _, p := range probs {
		if seen[p.ID] {
			return nil, fmt.Errorf("eval: duplicate problem ID %q (records are keyed by ID)", p.ID)
		}
		seen[p.ID] = true
	}

	rep := newReport(cfg.Samples)
	var out *os.File
	done := map[string]Record{}
	if cfg.OutPath != "" {
		var err error
		if done, err = loadRecords(cfg.OutPath, cfg.Samples); err != nil {
			return nil, err
		}
		if out, err = os.OpenFile(cfg.OutPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return nil, fmt.Errorf("eval: open results: %w", err)
		}
		defer out.Close()
	}

	var todo []Problem
	for _, p := range probs {
		if rec, ok := done[p.ID]; ok {
			rep.add(rec, true)
		} else {
			todo = append(todo, p)
		}
	}
	bar := newProgress(cfg.Progress, len(probs), rep)
	defer bar.finish()

	for start := 0; start < len(todo); start += cfg.Batch {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("eval: stopped after %d of %d problems: %w", rep.Overall.Problems, len(probs), err)
		}
		batch := todo[start:min(start+cfg.Batch, len(todo))]
		prompts := make([]string, len(batch))
		for i, p := range batch {
			prompts[i] = cfg.Template(p.Problem)
		}
		comps, err := gen.Generate(ctx, prompts, cfg.Samples)
		if err != nil {
			return rep, fmt.Errorf("eval: generate problems %d..%d: %w", start, start+len(batch)-1, err)
		}
		if err := checkShape(comps, len(batch), cfg.Samples); err != nil {
			return rep, err
		}
		for i, p := range batch {
			rec := gradeRecord(p, prompts[i], comps[i], cfg.Grading)
			if out != nil {
				if err := writeRecord(out, rec); err != nil {
					return rep, err
				}
			}
			rep.add(rec, false)
		}
		bar.update(rep)
	}
	return rep, nil
}

func checkShape(comps [][]string, prompts, k int) error {
	if len(comps) != prompts {
		return fmt.Errorf("eval: generator returned %d results for %d prompts", len(comps), prompts)
	}
	for i, c := range comps {
		if len(c) != k {
			return fmt.Errorf("eval: generator returned %d completions for prompt %d, want %d", len(c), i, k)
		}
	}
	return nil
}

// gradeRecord extracts and grades every sample of one problem.
func gradeRecord(p Problem, prompt string, completions []string, mode Mode) Record {
	rec := Record{ID: p.ID, Subject: p.Subject, Level: p.Level, Prompt: prompt, Gold: p.Answer,
		Completions: completions, Extracted: make([]string, len(completions)),
		Correct: make([]bool, len(completions))}
	for i, c := range completions {
		if a, ok := ExtractAnswer(c); ok {
			rec.Extracted[i] = a
			rec.Correct[i] = Grade(a, p.Answer, mode)
		}
	}
	rec.Majority, rec.MajorityCorrect = majorityVote(rec.Extracted, rec.Correct, mode)
	return rec
}

// majorityVote groups answers that Grade as equal and returns the largest
// group's first answer and whether it was correct; ties go to the group seen
// first, and missing answers do not vote.
func majorityVote(answers []string, correct []bool, mode Mode) (string, bool) {
	type group struct{ first, count int }
	var groups []group
	for i, a := range answers {
		if a == "" {
			continue
		}
		joined := false
		for g := range groups {
			rep := answers[groups[g].first]
			if a == rep || Grade(a, rep, mode) || Grade(rep, a, mode) {
				groups[g].count++
				joined = true
				break
			}
		}
		if !joined {
			groups = append(groups, group{first: i, count: 1})
		}
	}
	best := -1
	for g := range groups {
		if best < 0 || groups[g].count > groups[best].count {
			best = g
		}
	}
	if best < 0 {
		return "", false
	}
	return answers[groups[best].first], correct[groups[best].first]
}

// writeRecord appends one JSON line with a single write, so an interrupted
// run leaves at most one partial line behind.
func writeRecord(w io.Writer, rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("eval: encode record %s: %w", rec.ID, err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("eval: write record %s: %w", rec.ID, err)
	}
	return nil
}
