package eval

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
)

// Tally counts outcomes over a group of problems.
type Tally struct {
	Problems int // problems graded
	Correct  int // sample 0 correct (pass@1)
	PassAtK  int // at least one of k samples correct
	MajAtK   int // the majority answer correct
	NoAnswer int // sample 0 had no extractable answer
}

// Accuracy is the pass@1 rate (sample 0).
func (t Tally) Accuracy() float64 { return ratio(t.Correct, t.Problems) }

// PassRate is the pass@k rate.
func (t Tally) PassRate() float64 { return ratio(t.PassAtK, t.Problems) }

// MajRate is the maj@k rate.
func (t Tally) MajRate() float64 { return ratio(t.MajAtK, t.Problems) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Report summarises an evaluation run.
type Report struct {
	Samples   int // k
	Overall   Tally
	BySubject map[string]Tally
	ByLevel   map[int]Tally // 0 = unknown level
	Generated int           // problems generated in this run
	Reused    int           // problems taken from an earlier run's records
}

// Accuracy is the overall pass@1 rate.
func (r *Report) Accuracy() float64 { return r.Overall.Accuracy() }

func newReport(k int) *Report {
	return &Report{Samples: k, BySubject: map[string]Tally{}, ByLevel: map[int]Tally{}}
}

func (r *Report) add(rec Record, reused bool) {
	var t Tally
	t.Problems = 1
	if len(rec.Correct) > 0 && rec.Correct[0] {
		t.Correct = 1
	}
	for _, c := range rec.Correct {
		if c {
			t.PassAtK = 1
		}
	}
	if rec.MajorityCorrect {
		t.MajAtK = 1
	}
	if len(rec.Extracted) == 0 || rec.Extracted[0] == "" {
		t.NoAnswer = 1
	}
	r.Overall = r.Overall.plus(t)
	r.BySubject[rec.Subject] = r.BySubject[rec.Subject].plus(t)
	r.ByLevel[rec.Level] = r.ByLevel[rec.Level].plus(t)
	if reused {
		r.Reused++
	} else {
		r.Generated++
	}
}

func (t Tally) plus(o Tally) Tally {
	return Tally{t.Problems + o.Problems, t.Correct + o.Correct, t.PassAtK + o.PassAtK,
		t.MajAtK + o.MajAtK, t.NoAnswer + o.NoAnswer}
}

// String prints an aligned plain-text table: overall, per subject, per level.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems, k=%d (generated %d, reused %d); rule-based grader\n",
		r.Overall.Problems, r.Samples, r.Generated, r.Reused)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "\tn\tcorrect\tacc\tno answer\t"
	if r.Samples > 1 {
		header += fmt.Sprintf("pass@%d\tmaj@%d\t", r.Samples, r.Samples)
	}
	nameWidth := len("level ?")
	for s := range r.BySubject {
		nameWidth = max(nameWidth, len(s))
	}
	fmt.Fprintln(tw, fmt.Sprintf("%-*s", nameWidth, "group")+header)
	row := func(name string, t Tally) {
		// Padding the name keeps the first column left-aligned under AlignRight.
		name = fmt.Sprintf("%-*s", nameWidth, name)
		line := fmt.Sprintf("%s\t%d\t%d\t%s\t%d\t", name, t.Problems, t.Correct, pct(t.Accuracy()), t.NoAnswer)
		if r.Samples > 1 {
			line += pct(t.PassRate()) + "\t" + pct(t.MajRate()) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	row("all", r.Overall)
	subjects := make([]string, 0, len(r.BySubject))
	for s := range r.BySubject {
		subjects = append(subjects, s)
	}
	sort.Strings(subjects)
	if len(subjects) > 1 || len(subjects) == 1 && subjects[0] != "" {
		for _, s := range subjects {
			name := s
			if name == "" {
				name = "(none)"
			}
			row(name, r.BySubject[s])
		}
	}
	levels := make([]int, 0, len(r.ByLevel))
	for l := range r.ByLevel {
		levels = append(levels, l)
	}
	sort.Ints(levels)
	if len(levels) > 1 || len(levels) == 1 && levels[0] != 0 {
		for _, l := range levels {
			name := fmt.Sprintf("level %d", l)
			if l == 0 {
				name = "level ?"
			}
			row(name, r.ByLevel[l])
		}
	}
	tw.Flush()
	return b.String()
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
