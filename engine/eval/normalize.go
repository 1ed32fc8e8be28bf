package eval

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// This file mirrors PRM800K's grader._normalize and its numeric helpers.
// LaTeX is turned into plain text by latexToText (latex2text.go) in place of
// pylatexenc.

var (
	unitWords = []string{"degree", "cm", "centimeter", "meter", "mile", "second", "minute",
		"hour", "day", "week", "month", "year", "foot", "feet", "inch", "yard"}
	unitRes       = compileUnits(``, ``)
	wordUnitRes   = compileUnits(`(^|[^A-Za-z])`, `([^A-Za-z]|$)`)
	circRe        = regexp.MustCompile(`\^ *\\circ`)
	unitPowerRe   = regexp.MustCompile(`(\\(?:text|mbox|mathrm)\{[^{}]*)\}\^\{?([0-9]+)\}?`)
	thinSpaceRe   = regexp.MustCompile(`,\\! *`)
	minusSpaceRe  = regexp.MustCompile(`- *`)
	mixedNumberRe = regexp.MustCompile(`([0-9]) +([0-9])`)
	goodCommaRe   = regexp.MustCompile(`(\d)(,)(\d\d\d)($|\D)`)
	pyFloatRe     = regexp.MustCompile(`^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|(?i:inf|infinity|nan))$`)
	decimalRe     = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
	// Python's "$" also matches before a final newline.
	fracShapeRe     = regexp.MustCompile(`^-?[0-9]+.?/0*[1-9][0-9]*.?\n?$`)
	magnitudeWords  = strings.NewReplacer("million", "*10^6", "billion", "*10^9", "trillion", "*10^12")
	connectiveWords = strings.NewReplacer(" or ", " , ", " and ", " , ")
)

// compileUnits makes PRM800K's unit patterns, within the given context.
func compileUnits(before, after string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(unitWords))
	for i, u := range unitWords {
		out[i] = regexp.MustCompile(before + u + `(es)?(s)? *(\^[0-9]+)?` + after)
	}
	return out
}

// prmNormalize is PRM800K's _normalize; Strict mode departs from it where
// the original misreads: a unit's power goes with the unit, "2.00000001" is
// not an integer, LaTeX is read soundly (latex2text.go) and an exponent
// group stays whole.
func prmNormalize(expr string, mode Mode) string {
	if m := wholeTextRe.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	expr = strings.ReplaceAll(expr, `\%`, "%")
	expr = strings.ReplaceAll(expr, `\$`, "$")
	expr = strings.ReplaceAll(expr, "$", "")
	expr = strings.ReplaceAll(expr, "%", "")
	expr = connectiveWords.Replace(expr)
	expr = magnitudeWords.Replace(expr)
	if mode == Strict {
		// "\mbox{ inches}^2": move the power inside so the unit goes with it.
		expr = unitPowerRe.ReplaceAllString(expr, "${1}^${2}}")
	}
	if mode == Strict {
		// Whole words only: "\text{Monday}" is not "\text{Mon}".
		for _, re := range wordUnitRes {
			expr = re.ReplaceAllString(expr, "${1}${5}")
		}
	} else {
		for _, re := range unitRes {
			expr = re.ReplaceAllString(expr, "")
		}
	}
	expr = circRe.ReplaceAllString(expr, "")
	if len(expr) > 0 && expr[0] == '{' && expr[len(expr)-1] == '}' {
		expr = expr[1 : len(expr)-1]
	}
	expr = thinSpaceRe.ReplaceAllString(expr, "")
	if f, ok := pyFloat(expr); ok && isInteger(f, expr, mode) {
		expr = floatToIntString(math.RoundToEven(f))
	}
	if strings.Contains(expr, `\`) {
		expr = parseLatex(expr, mode)
	}
	expr = minusSpaceRe.ReplaceAllString(expr, "-")
	// Mixed numbers: "7 3/4" means 7+3/4.
	expr = mixedNumberRe.ReplaceAllString(expr, "$1+$2")
	if mode == Strict {
		// Braces go, but an exponent group keeps its extent: 2^{1/3} is 2^(1/3).
		expr = exponentGroupsToParens(expr)
	}
	expr = strings.NewReplacer(" ", "", "{", "", "}", "").Replace(expr)
	expr = strings.ToLower(expr)
	if strIsInt(expr, mode) {
		expr = strToInt(expr)
	}
	return expr
}

// parseLatex is PRM800K's _parse_latex: a space before \frac keeps mixed
// numbers apart, then LaTeX becomes text (pylatexenc's reading, or the
// sound one) with sqrt, pi, inf, U and *. Where pylatexenc raises, PRM800K
// keeps the LaTeX.
func parseLatex(expr string, mode Mode) string {
	s := strings.ReplaceAll(expr, `\tfrac`, `\frac`)
	s = strings.ReplaceAll(s, `\dfrac`, `\frac`)
	s = strings.ReplaceAll(s, `\frac`, ` \frac`)
	if mode == Strict {
		return strings.TrimSpace(symbolReplacer.Replace(latexToText(s)))
	}
	text, ok := pylatexText(s)
	if !ok {
		return expr
	}
	return strings.TrimSpace(symbolReplacer.Replace(text))
}

// pyFloat parses s the way Python's float() does (underscores between
// digits, inf/nan, surrounding whitespace).
func pyFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 400 || !pyFloatRe.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		// Out of range still yields ±Inf or 0 in Python.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// isInteger is _is_int for the float f that the string s gives: within 1e-7
// of an integer in PRM800K mode, exactly an integer in Strict mode (inf and
// nan are not).
func isInteger(f float64, s string, mode Mode) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	if mode == Strict {
		// Not "40_9" (a base-9 numeral), which Python's float reads as 409.
		s = strings.TrimSpace(s)
		if !decimalRe.MatchString(s) {
			return false
		}
		r, ok := new(big.Rat).SetString(strings.TrimSuffix(s, "."))
		return ok && r.IsInt()
	}
	return math.Abs(f-math.RoundToEven(f)) <= 1e-7
}

// floatToIntString prints int(f) exactly, as Python does for large floats.
func floatToIntString(f float64) string {
	i, _ := big.NewFloat(f).Int(nil)
	return i.String()
}

// stripGoodCommas removes thousands separators ("1,234,567") but leaves
// tuple commas alone.
func stripGoodCommas(expr string) string {
	for i := 0; i <= len(expr); i++ { // each pass removes a comma, so this ends
		next := goodCommaRe.ReplaceAllString(expr, "${1}${3}${4}")
		if next == expr {
			break
		}
		expr = next
	}
	return expr
}

// strIsInt is _str_is_int.
func strIsInt(x string, mode Mode) bool {
	if len(x) > 400 {
		return false
	}
	x = stripGoodCommas(x)
	f, ok := pyFloat(x)
	return ok && isInteger(f, x, mode)
}

// strToInt is _str_to_int: int(float(x without commas)), truncating.
func strToInt(x string) string {
	f, ok := pyFloat(strings.ReplaceAll(x, ",", ""))
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return x
	}
	return floatToIntString(math.Trunc(f))
}

// isFrac is _is_frac: "a/b" shapes whose string form must match exactly so
// that unreduced fractions are not accepted.
func isFrac(expr string) bool { return fracShapeRe.MatchString(expr) }

func stripWords(s string, words ...string) string {
	for _, w := range words {
		s = strings.ReplaceAll(s, w, "")
	}
	return s
}

// exponentGroupsToParens rewrites "^{a+b}" as "^(a+b)" so that dropping the
// braces keeps the exponent whole (PRM800K reads 2^{1/3} as 2^1/3). Simple
// exponents keep their braces, to be dropped with the rest.
func exponentGroupsToParens(s string) string {
	if !strings.Contains(s, "^{") {
		return s
	}
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '^' || b[i+1] != '{' {
			continue
		}
		depth := 0
		for j := i + 1; j < len(b); j++ {
			if b[j] == '{' {
				depth++
			} else if b[j] == '}' {
				depth--
				if depth == 0 {
					if inner := strings.TrimSpace(string(b[i+2 : j])); fracText(inner) != inner {
						b[i+1], b[j] = '(', ')'
					}
					break
				}
			}
		}
	}
	return string(b)
}
