package eval

import "strings"

// maxGradeInput bounds the answers given to the full grader; longer strings
// (not answers, but runaway generations) get only the linear-time first rule.
const maxGradeInput = 8 << 10

// Grade reports whether the given answer matches the gold answer under the
// PRM800K rules (docs/math-grading.md):
//  1. equal after Hendrycks' normalisation;
//  2. equal after PRM800K's _normalize;
//  3. element-wise equal as tuples/intervals (same brackets, same count),
//     where two fractions a/b must match as written (unreduced is wrong),
//     an integer must meet an integer, and anything else is compared by value
//     (exact rationals, or numerically at sample points) when it has at most
//     two distinct letters.
//
// Grade never panics.
func Grade(given, gold string) bool {
	if mathdNormalize(gold) == mathdNormalize(given) {
		return true
	}
	if len(given) > maxGradeInput || len(gold) > maxGradeInput {
		return false
	}
	goldNorm, givenNorm := prmNormalize(gold), prmNormalize(given)
	if goldNorm == givenNorm {
		return true
	}
	if givenNorm == "" {
		return false
	}
	return tuplesEqual(goldNorm, givenNorm, 0)
}

const maxTupleDepth = 4

// tuplesEqual compares normalised answers element by element.
func tuplesEqual(gold, given string, depth int) bool {
	goldElems, givenElems := splitTuple(gold), splitTuple(given)
	if len(goldElems) > 1 && (gold[0] != given[0] || gold[len(gold)-1] != given[len(given)-1]) {
		return false // (a,b) is not [a,b]
	}
	if len(goldElems) != len(givenElems) {
		return false
	}
	for i := range goldElems {
		if !elementsEqual(goldElems[i], givenElems[i], depth) {
			return false
		}
	}
	return true
}

func elementsEqual(gold, given string, depth int) bool {
	if depth < maxTupleDepth && isBracketed(gold) && isBracketed(given) {
		return tuplesEqual(gold, given, depth+1) // a matrix row
	}
	switch {
	case isFrac(gold) && isFrac(given):
		return gold == given
	case strIsInt(gold) != strIsInt(given):
		return false
	}
	combined := "(" + gold + ")-(" + given + ")"
	if countLetters(combined) > 2 {
		return false // text, or functions of many variables
	}
	return exprsEqual(gold, given)
}

const tupleBrackets = "()[]"

// splitTuple splits "(a,b]" into its elements at top-level commas. Unlike
// PRM800K, which gives up when the elements contain brackets themselves, it
// splits "(sqrt(2),1)" too; the outer brackets must enclose the whole string.
func splitTuple(expr string) []string {
	expr = stripGoodCommas(expr)
	if expr == "" {
		return nil
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
