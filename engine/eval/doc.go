// Package eval loads math benchmarks, extracts final answers from model
// output, grades them with a Go re-implementation of the PRM800K grader
// (shared/docs/math-grading.md) and runs model-independent evaluations
// (accuracy, pass@k, maj@k). Scores come from the rule-based grader only;
// CoLA's own harness may fall back to an LLM judge, this package never does.
//
// Grading follows PRM800K's grade_answer: Hendrycks' normalisation, then
// PRM800K's _normalize, then an element-wise tuple/interval comparison in
// which the sympy step is replaced by exact rational arithmetic (math/big)
// or, for expressions with variables or irrational parts, evaluation at five
// deterministic points with relative tolerance 1e-10. Where PRM800K's
// behaviour comes from an accident of its tools rather than a rule, this
// package chooses the mathematically sound reading:
//
//   - \frac{a+b}{c} reads as (a+b)/c (pylatexenc writes a+b/c), an exponent
//     group ^{1/3} stays whole, and \sqrt[n]{x} keeps its degree;
//   - tuples split at top-level commas even when elements contain brackets,
//     so (\sqrt{2}, 1) is compared element by element; matrices become
//     nested lists and are compared entry by entry;
//   - a unit with a power, "\mbox{ inches}^2", is removed whole;
//   - the value comparison runs whenever the two elements have at most two
//     distinct letters (PRM800K's rule), but sympy's extra guards against
//     "^{", "^(" and long exponents are replaced by size budgets (exponents
//     up to 1024, numbers up to 32768 bits, expressions up to 1000 bytes and
//     depth 100), past which the comparison falls back to floating point or
//     reports "not equal".
//
// The integer and fraction rules are kept as PRM800K has them: two fractions
// must match as written (\frac{2}{4} is wrong for \frac{1}{2}), and when
// exactly one side is an integer string the answer is wrong (\sqrt{4}, 4/2 or
// "2 million" against an integer gold answer).
package eval
