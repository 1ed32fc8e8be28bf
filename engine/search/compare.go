package search

import (
	"fmt"
	"math"
)

// Paired is two methods' outcomes on the same problems, counted problem by problem: the
// comparison a difference of success rates needs when both ran on one set of problems.
type Paired struct {
	A       string  `json:"a"` // the methods compared
	B       string  `json:"b"`
	N       int     `json:"n"` // problems both ran
	Both    int     `json:"both"`
	Neither int     `json:"neither"`
	OnlyA   int     `json:"only_a"` // solved by A alone: with OnlyB, the discordant pairs
	OnlyB   int     `json:"only_b"`
	Diff    float64 `json:"difference"` // success rate of A minus that of B
	// P is the two-sided exact sign test (McNemar's exact test) of OnlyA against OnlyB: the
	// chance of a split at least this uneven among the discordant problems if neither method
	// were better.
	P float64 `json:"p_value"`
}

// Compare pairs a and b problem by problem. Both must be the same task's problems, each once.
func Compare(a, b *Results) (Paired, error) {
	if a.Task != b.Task {
		return Paired{}, fmt.Errorf("compare: %s ran task %q, %s ran %q: pairs need the same problems", a.Method, a.Task, b.Method, b.Task)
	}
	bs := map[int]bool{}
	for _, r := range b.Records {
		if _, dup := bs[r.Problem]; dup {
			return Paired{}, fmt.Errorf("compare: %s has problem %d twice", b.Method, r.Problem)
		}
		bs[r.Problem] = r.Success
	}
	p, seen := Paired{A: a.Method, B: b.Method}, map[int]bool{}
	for _, r := range a.Records {
		okB, ran := bs[r.Problem]
		if !ran {
			continue
		}
		if seen[r.Problem] {
			return Paired{}, fmt.Errorf("compare: %s has problem %d twice", a.Method, r.Problem)
		}
		seen[r.Problem] = true
		p.N++
		switch {
		case r.Success && okB:
			p.Both++
		case r.Success:
			p.OnlyA++
		case okB:
			p.OnlyB++
		default:
			p.Neither++
		}
	}
	if p.N == 0 {
		return Paired{}, fmt.Errorf("compare: %s and %s share no problem", a.Method, b.Method)
	}
	p.Diff = float64(p.OnlyA-p.OnlyB) / float64(p.N)
	p.P = SignTest(p.OnlyA, p.OnlyB)
	return p, nil
}

// SignTest is the two-sided exact binomial test of k successes against m failures at one half:
// twice the smaller tail, at most 1.
func SignTest(k, m int) float64 {
	n, lo := k+m, min(k, m)
	if n == 0 {
		return 1
	}
	tail := 0.0
	for i := 0; i <= lo; i++ {
		tail += math.Exp(logChoose(n, i) - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*tail)
}

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// String is the comparison as one line.
func (p Paired) String() string {
	return fmt.Sprintf("%s vs %s on %d problems: both %d, %s only %d, %s only %d, neither %d; difference %+.1f points, sign test p = %.3g",
		p.A, p.B, p.N, p.Both, p.A, p.OnlyA, p.B, p.OnlyB, p.Neither, 100*p.Diff, p.P)
}
