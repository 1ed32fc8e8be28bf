package rl

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"colash/engine/eval"
)

// Example is one training prompt with what its rewards may need.
type Example struct {
	Prompt string            // the text the model continues
	Answer string            // gold answer or target text, if any
	Meta   map[string]string // anything else a reward reads
}

// Reward scores one completion of a prompt. An error marks this sample as unscored (reward 0);
// it is counted in the metrics and never stops a run. Rewards are called from several
// goroutines at once and must be safe for that.
type Reward interface {
	Reward(prompt, completion string, ex Example) (float64, error)
}

// RewardFunc is a user reward (from Go or a script) as a Reward.
type RewardFunc func(prompt, completion string, ex Example) (float64, error)

// Reward calls f.
func (f RewardFunc) Reward(prompt, completion string, ex Example) (float64, error) {
	return f(prompt, completion, ex)
}

// MathAnswer is 1 when the completion's final answer (eval.ExtractAnswer: the last \boxed{}, or
// a closing "answer is" line) grades equal to ex.Answer with eval.Grade, else 0.
type MathAnswer struct{}

func (MathAnswer) Reward(_, completion string, ex Example) (float64, error) {
	if ex.Answer == "" {
		return 0, fmt.Errorf("math reward: example has no gold answer")
	}
	got, ok := eval.ExtractAnswer(completion)
	if ok && eval.Grade(got, ex.Answer, eval.PRM800K) {
		return 1, nil
	}
	return 0, nil
}

// ExactMatch is 1 when the completion, trimmed of surrounding space, equals ex.Answer (or Target
// when set); FoldCase ignores case.
type ExactMatch struct {
	Target   string
	FoldCase bool
}

func (e ExactMatch) Reward(_, completion string, ex Example) (float64, error) {
	want := e.Target
	if want == "" {
		want = ex.Answer
	}
	got, want := strings.TrimSpace(completion), strings.TrimSpace(want)
	if got == want || (e.FoldCase && strings.EqualFold(got, want)) {
		return 1, nil
	}
	return 0, nil
}

// Regex is 1 when the pattern matches the completion, else 0.
type Regex struct{ Re *regexp.Regexp }

// NewRegex compiles a regex reward.
func NewRegex(pattern string) (Regex, error) {
	re, err := regexp.Compile(pattern)
	return Regex{re}, err
}

func (r Regex) Reward(_, completion string, _ Example) (float64, error) {
	if r.Re.MatchString(completion) {
		return 1, nil
	}
	return 0, nil
}

// ContainsWord is 1 when the completion has one of Words as a whole word (case-insensitive).
// With Fraction set it is instead the fraction of the completion's words that are among Words.
type ContainsWord struct {
	Words    []string
	Fraction bool
}

func (c ContainsWord) Reward(_, completion string, _ Example) (float64, error) {
	if len(c.Words) == 0 {
		return 0, fmt.Errorf("contains-word reward: no words")
	}
	want := map[string]bool{}
	for _, w := range c.Words {
		want[strings.ToLower(w)] = true
	}
	words := SplitWords(completion)
	hits := 0
	for _, w := range words {
		if want[strings.ToLower(w)] {
			if !c.Fraction {
				return 1, nil
			}
			hits++
		}
	}
	if !c.Fraction || len(words) == 0 {
		return 0, nil
	}
	return float64(hits) / float64(len(words)), nil
}

// SplitWords splits text into runs of letters and digits.
func SplitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// Length rewards a completion's length in words: 1 at Target, falling linearly to 0 at
// Target ± Tolerance (Tolerance 0: Target).
type Length struct{ Target, Tolerance int }

func (l Length) Reward(_, completion string, _ Example) (float64, error) {
	if l.Target <= 0 {
		return 0, fmt.Errorf("length reward: target %d", l.Target)
	}
	tol := l.Tolerance
	if tol <= 0 {
		tol = l.Target
	}
	d := math.Abs(float64(len(SplitWords(completion)) - l.Target))
	return math.Max(0, 1-d/float64(tol)), nil
}

// Format is 1 when the completion has the required shape: it ends with a sentence mark (".", "!",
// "?", possibly inside quotes) and, when Boxed is set, holds a \boxed{...} answer.
type Format struct{ Boxed bool }

func (f Format) Reward(_, completion string, _ Example) (float64, error) {
	if f.Boxed {
		if _, ok := eval.LastBoxed(completion); !ok {
			return 0, nil
		}
		return 1, nil
	}
	s := strings.TrimRight(strings.TrimSpace(completion), "\"'”’")
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return 1, nil
	}
	return 0, nil
}

// Weighted is a weighted sum of rewards; the first error of a part is the sum's error.
type Weighted struct {
	Parts   []Reward
	Weights []float64
}

func (w Weighted) Reward(prompt, completion string, ex Example) (float64, error) {
	total := 0.0
	for i, p := range w.Parts {
		v, err := p.Reward(prompt, completion, ex)
		if err != nil {
			return 0, err
		}
		wt := 1.0
		if i < len(w.Weights) {
			wt = w.Weights[i]
		}
		total += wt * v
	}
	return total, nil
}

// Scores are the rewards of a batch with the failures counted.
type Scores struct {
	Values   []float64
	Errors   int
	FirstErr string // the first failure (by sample index), "" if none
}

// Score runs rw over every sample on up to workers goroutines (0: 8). A sample whose reward
// fails, panics or is not finite scores 0 and is counted in Errors.
func Score(rw Reward, prompts, completions []string, exs []Example, workers int) Scores {
	return scoreFrom(rw, prompts, completions, exs, workers, 0)
}

// scoreFrom is Score of samples numbered from first on (a rank's block of a batch).
func scoreFrom(rw Reward, prompts, completions []string, exs []Example, workers, first int) Scores {
	if br, ok := rw.(BatchReward); ok {
		return scoreBatch(br, prompts, completions, exs)
	}
	n := len(completions)
	vals := make([]float64, n)
	errs := make([]error, n)
	if workers <= 0 {
		workers = 8
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				vals[i], errs[i] = scoreOne(rw, prompts[i], completions[i], exs[i])
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	s := Scores{Values: vals}
	for i, err := range errs {
		if err != nil {
			vals[i] = 0
			if s.Errors == 0 {
				s.FirstErr = fmt.Sprintf("sample %d: %v", first+i, err)
			}
			s.Errors++
		}
	}
	return s
}

func scoreOne(rw Reward, prompt, completion string, ex Example) (v float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reward panicked: %v", r)
		}
	}()
	v, err = rw.Reward(prompt, completion, ex)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = fmt.Errorf("reward is %v", v)
	}
	return v, err
}
