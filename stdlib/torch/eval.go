package torch

import (
	"colash/engine/eval"
	"colash/stdlib/backend"
)

// Math500 implements backend.EvalRuntime with the embedded MATH-500.
func (r *Runtime) Math500() []backend.Problem {
	ps := eval.Math500()
	out := make([]backend.Problem, len(ps))
	for i, p := range ps {
		out[i] = backend.Problem{ID: p.ID, Problem: p.Problem, Solution: p.Solution, Answer: p.Answer, Subject: p.Subject, Level: p.Level}
	}
	return out
}

// Grade implements backend.EvalRuntime.
func (r *Runtime) Grade(given, gold string, strict bool) bool {
	mode := eval.PRM800K
	if strict {
		mode = eval.Strict
	}
	return eval.Grade(given, gold, mode)
}

// ExtractAnswer implements backend.EvalRuntime.
func (r *Runtime) ExtractAnswer(completion string) (string, bool) {
	return eval.ExtractAnswer(completion)
}
