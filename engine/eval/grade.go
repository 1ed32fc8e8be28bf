package eval

import (
	"fmt"
	"regexp"
	"strings"
)

// maxGradeInput bounds the answers given to the full grader; longer strings
// (not answers, but runaway generations) get only the linear-time first rule.
const maxGradeInput = 8 << 10

// Mode says how Grade reads answers.
type Mode int

const (
	// PRM800K reproduces OpenAI's PRM800K grade_answer, quirks included
	// (pylatexenc's reading of LaTeX, sympy's of the result). It is the
	// default, the one eval and RL use.
	PRM800K Mode = iota
	// Strict keeps only mathematically sound readings; it never accepts an
	// answer whose value differs, and may reject some that PRM800K accepts.
	Strict
)

func (m Mode) String() string {
	if m == Strict {
		return "strict"
	}
	return "prm800k"
}

// ParseMode reads "prm800k" or "strict".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "prm800k", "":
		return PRM800K, nil
	case "strict":
		return Strict, nil
	}
	return PRM800K, fmt.Errorf("unknown grading mode %q (want prm800k or strict)", s)
}

// Grade reports whether the given answer matches the gold answer under the
// PRM800K rules (docs/math-grading.md), read as mode says:
//  1. equal after Hendrycks' normalisation;
//  2. equal after PRM800K's _normalize;
//  3. element-wise equal as tuples/intervals (same brackets, same count),
//     where two fractions a/b must match as written (unreduced is wrong),
//     an integer must meet an integer, and anything else is compared by value
//     (exact rationals, or at sample points) when it has at most two
//     distinct letters.
//
// Grade never panics.
func Grade(given, gold string, mode Mode) bool {
	if mathdNormalize(gold) == mathdNormalize(given) {
		return true
	}
	if len(given) > maxGradeInput || len(gold) > maxGradeInput {
		return false
	}
	goldNorm, givenNorm := prmNormalize(gold, mode), prmNormalize(given, mode)
	if goldNorm == givenNorm {
		return true
	}
	if givenNorm == "" {
		return false
	}
	return tuplesEqual(goldNorm, givenNorm, mode, 0)
}

const maxTupleDepth = 4

// tuplesEqual compares normalised answers element by element.
func tuplesEqual(gold, given string, mode Mode, depth int) bool {
	goldElems, givenElems := splitTuple(gold, mode), splitTuple(given, mode)
	if len(goldElems) > 1 && (gold[0] != given[0] || gold[len(gold)-1] != given[len(given)-1]) {
		return false // (a,b) is not [a,b]
	}
	if len(goldElems) != len(givenElems) {
		return false
	}
	for i := range goldElems {
		if !elementsEqual(goldElems[i], givenElems[i], mode, depth) {
			return false
		}
	}
	return true
}

func elementsEqual(gold, given string, mode Mode, depth int) bool {
	if mode == Strict && depth < maxTupleDepth && isBracketed(gold) && isBracketed(given) {
		return tuplesEqual(gold, given, mode, depth+1) // a matrix row
	}
	switch {
	case isFrac(gold) && isFrac(given):
		return gold == given
	case strIsInt(gold, mode) != strIsInt(given, mode):
		return false
	}
	if !allowEval("("+gold+")-("+given+")", mode) {
		return false
	}
	return exprsEqual(gold, given, mode)
}

var (
	// PRM800K keeps sympy away from exponents it fears would hang it.
	sympyBadRes = []*regexp.Regexp{regexp.MustCompile(`\^[0-9]+\^`), regexp.MustCompile(`\^[0-9][0-9]+`)}
)

// allowEval is PRM800K's should_allow_eval: at most two distinct letters
// (text, or functions of many variables, are not compared by value); in
// PRM800K mode also no "^{", "^(" or exponents of two digits or more. Strict
// mode bounds sizes in the evaluator instead.
func allowEval(combined string, mode Mode) bool {
	if countLetters(combined) > 2 {
		return false
	}
	if mode == Strict {
		return true
	}
	if strings.Contains(combined, "^{") || strings.Contains(combined, "^(") {
		return false
	}
	for _, re := range sympyBadRes {
		if re.MatchString(combined) {
			return false
		}
	}
	return true
}

const tupleBrackets = "()[]"

// splitTuple splits "(a,b]" into its elements at top-level commas. PRM800K
// gives up when the elements contain brackets themselves; Strict splits
// "(sqrt(2),1)" too, when the outer brackets enclose the whole string.
func splitTuple(expr string, mode Mode) []string {
	expr = stripGoodCommas(expr)
	if expr == "" {
		return nil
	}
	if mode == PRM800K {
		n := len(expr)
		if n > 2 && strings.ContainsRune(tupleBrackets, rune(expr[0])) && strings.ContainsRune(tupleBrackets, rune(expr[n-1])) &&
			!strings.ContainsAny(expr[1:n-1], tupleBrackets) {
			elems := strings.Split(expr[1:n-1], ",")
			for i := range elems {
				elems[i] = strings.TrimSpace(elems[i])
			}
			return elems
		}
		return []string{expr}
	}
	if !isBracketed(expr) {
		return []string{expr}
	}
	n := len(expr)
	var elems []string
	depth, start := 0, 1
	for i := 1; i < n-1; i++ {
		switch expr[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				elems = append(elems, strings.TrimSpace(expr[start:i]))
				start = i + 1
			}
		}
	}
	return append(elems, strings.TrimSpace(expr[start:n-1]))
}

func isBracketed(s string) bool {
	n := len(s)
	return n > 2 && strings.ContainsRune(tupleBrackets, rune(s[0])) &&
		strings.ContainsRune(tupleBrackets, rune(s[n-1])) && outerEnclosesAll(s)
}

// outerEnclosesAll reports whether the bracket at 0 closes only at the end,
// with any bracket kind closing any other (intervals mix them).
func outerEnclosesAll(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 && i != len(s)-1 {
				return false
			}
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}
