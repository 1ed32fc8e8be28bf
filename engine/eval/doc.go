// Package eval loads math benchmarks, extracts final answers from model
// output, grades them with a Go re-implementation of the PRM800K grader
// (shared/docs/math-grading.md, docs/grading.md) and runs model-independent
// evaluations (accuracy, pass@k, maj@k). Scores come from the rule-based
// grader only; CoLA's own harness may fall back to an LLM judge, this package
// never does.
//
// Grade takes a Mode. Both modes follow PRM800K's grade_answer: Hendrycks'
// normalisation, then PRM800K's _normalize, then an element-wise
// tuple/interval comparison in which two fractions must match as written
// (\frac{2}{4} is wrong for \frac{1}{2}), an integer must meet an integer
// (\sqrt{4} is wrong for 2), and anything else with at most two distinct
// letters is compared by value. sympy's simplify(a-b) == 0 is replaced by
// exact rational arithmetic, or by evaluation at five complex points in
// 320-bit precision (so 1.41421356237 is not \sqrt{2}, and \sqrt{x-5}+1 is
// 1+\sqrt{x-5} although real points below 5 are outside its domain).
//
// PRM800K (the default, used by eval and RL) reproduces the real grader,
// quirks included (pylatexenc.go, expr_sympy.go):
//
//   - LaTeX is read as pylatexenc 2.10 reads it: \frac{a+b}{c} is a+b/c and
//     \frac{1}{2\sqrt{3}} is (1/2)sqrt(3); \sqrt[3]{x} loses its degree;
//     2^{1/3} is 2^1/3; \cot, \sec, \csc and \mbox{...} print nothing;
//     matrices print as "[ a b; c d ]" and compare as strings;
//   - the value comparison is skipped for "^(" and exponents of two digits;
//     tuples whose elements hold brackets are not split;
//   - names are read as sympy reads them ("ln3" is 3*l*n, "xsqrt(2)" is
//     x*s*q*r*t*2), decimals are Floats with sympy's precision and rounding
//     (0.1+0.2 is not 0.3), and x^2.0 is not x^2;
//   - a float within 1e-7 of an integer is that integer; Python's float()
//     reads "40_9" as 409.
//
// On the golden pairs (testdata/grading_pairs.jsonl, 7794 rewrites of the
// Math500 answers labelled by the real grader) PRM800K mode agrees with the
// grader on 100% of the tuning split (6079 pairs) and of the held-out split
// (1715 pairs, one gold answer in five); the grader before the modes agreed
// on 93.75% and 93.24%. docs/grading.md has the details.
//
// Strict keeps only sound readings and never accepts an answer whose value
// differs; it may reject what PRM800K accepts by accident. It reads LaTeX
// soundly (latex2text.go: \frac{a+b}{c} is (a+b)/c, \sqrt[n]{x} keeps n,
// exponent groups stay whole, \cot is cot), splits tuples at top-level
// commas even when elements hold brackets and compares matrices entry by
// entry, moves a unit's power with the unit ("\mbox{ inches}^2"), removes
// unit words only as whole words, takes a float for an integer only when it
// is one exactly, and reads decimals exactly. Size budgets (exponents up to
// 1024, numbers up to 32768 bits, expressions up to 1000 bytes and depth 100)
// replace sympy's guards against "^{", "^(" and long exponents.
package eval
