package colash

import (
	"fmt"

	"colash/stdlib/backend"
)

// Problem is one MATH-500 problem: Problem, Answer (the reference), Subject, Level 1..5,
// Solution, ID.
type Problem = backend.Problem

func evalRuntime(op string) backend.EvalRuntime {
	rt, err := backend.Current()
	fail(op, err)
	if e, ok := rt.(backend.EvalRuntime); ok {
		return e
	}
	fail(op, fmt.Errorf("the tensor engine has no benchmarks"))
	return nil
}

// Math500 is the first n problems of MATH-500 in file order (n <= 0: all 500), from the copy
// inside colash: no data folder needed.
func Math500(n int) []Problem {
	ps := evalRuntime("math500").Math500()
	if n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	return ps
}

// Grade says whether the answer given matches the reference gold under PRM800K's grader, the
// one colash eval math500 uses ("0.5" and "1/2" match "\frac12"; the unreduced "2/4" does not).
func Grade(given, gold string) bool { return evalRuntime("grade").Grade(given, gold, false) }

// GradeStrict is Grade keeping only mathematically sound readings (docs/grading.md).
func GradeStrict(given, gold string) bool { return evalRuntime("grade").Grade(given, gold, true) }

// Answer is the final answer of a completion: the last \boxed{...}, else the text after "####"
// or "The answer is"; "" when it has none (there is no last-number fallback).
func Answer(completion string) string {
	a, _ := evalRuntime("answer").ExtractAnswer(completion)
	return a
}
