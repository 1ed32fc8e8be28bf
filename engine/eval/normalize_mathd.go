package eval

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file mirrors Hendrycks' MATH normalisation (math_normalize.py in
// PRM800K: normalize_answer and _strip_string), including its failure mode:
// when one of the fix-up steps would raise in Python, the answer is returned
// with only the outer \text{} removed.

// wholeTextRe is `^\\text\{(?P<text>.+?)\}$` in Python, where "$" also
// matches before a final newline.
var wholeTextRe = regexp.MustCompile(`^\\text\{(.+?)\}\n?$`)

// mathdNormalize is Hendrycks' normalize_answer.
func mathdNormalize(answer string) string {
	answer = strings.TrimSpace(answer)
	if m := wholeTextRe.FindStringSubmatch(answer); m != nil {
		answer = strings.TrimSpace(m[1])
	}
	if s, ok := stripString(answer); ok {
		return s
	}
	return answer
}

// stripString is _strip_string; ok is false where Python would raise.
func stripString(s string) (string, bool) {
	s = strings.NewReplacer("\n", "", `\!`, "").Replace(s)
	s = strings.ReplaceAll(s, `\\`, `\`)
	s = strings.ReplaceAll(s, "tfrac", "frac")
	s = strings.ReplaceAll(s, "dfrac", "frac")
	s = strings.ReplaceAll(s, `\left`, "")
	s = strings.ReplaceAll(s, `\right`, "")
	s = strings.ReplaceAll(s, `^{\circ}`, "")
	s = strings.ReplaceAll(s, `^\circ`, "")
	s = strings.ReplaceAll(s, `\$`, "")
	// "\text{ " only ever introduces units on the right.
	if strings.Contains(s, `\text{ `) {
		parts := strings.Split(s, `\text{ `)
		if len(parts) != 2 {
			return "", false
		}
		s = parts[0]
	}
	s = strings.ReplaceAll(s, `\%`, "")
	s = strings.ReplaceAll(s, " .", " 0.")
	s = strings.ReplaceAll(s, "{.", "{0.")
	if s == "" {
		return s, true
	}
	if s[0] == '.' {
		s = "0" + s
	}
	// Drop a short "k = " style left-hand side.
	if parts := strings.Split(s, "="); len(parts) == 2 && utf8.RuneCountInString(parts[0]) <= 2 {
		s = parts[1]
	}
	s, ok := fixSqrt(s)
	if !ok {
		return "", false
	}
	s = strings.ReplaceAll(s, " ", "")
	s, ok = fixFracs(s)
	if !ok {
		return "", false
	}
	if s == "0.5" {
		s = `\frac{1}{2}`
	}
	return fixASlashB(s), true
}

// fixSqrt turns \sqrt3 into \sqrt{3}.
func fixSqrt(s string) (string, bool) {
	if !strings.Contains(s, `\sqrt`) {
		return s, true
	}
	splits := strings.Split(s, `\sqrt`)
	var b strings.Builder
	b.WriteString(splits[0])
	for _, part := range splits[1:] {
		if part == "" {
			return "", false
		}
		if part[0] != '{' {
			_, n := utf8.DecodeRuneInString(part)
			b.WriteString(`\sqrt{` + part[:n] + `}` + part[n:])
		} else {
			b.WriteString(`\sqrt` + part)
		}
	}
	return b.String(), true
}

// fixFracs turns \frac12 into \frac{1}{2} and \frac1{72} into \frac{1}{72}.
func fixFracs(s string) (string, bool) {
	substrs := strings.Split(s, `\frac`)
	var b strings.Builder
	b.WriteString(substrs[0])
	for _, sub := range substrs[1:] {
		b.WriteString(`\frac`)
		if sub == "" {
			return "", false
		}
		if sub[0] == '{' {
			b.WriteString(sub)
			continue
		}
		if utf8.RuneCountInString(sub) < 2 {
			return s, true // Python gives up and keeps the input unchanged
		}
		a, na := utf8.DecodeRuneInString(sub)
		c, nc := utf8.DecodeRuneInString(sub[na:])
		post := sub[na+nc:]
		if c != '{' {
			b.WriteString("{" + string(a) + "}{" + string(c) + "}" + post)
		} else {
			b.WriteString("{" + string(a) + "}" + string(c) + post)
		}
	}
	return b.String(), true
}

var canonicalIntRe = regexp.MustCompile(`^(?:0|-?[1-9][0-9]*)$`)

// fixASlashB turns a plain "3/4" into \frac{3}{4}; Python only accepts it when
// both sides print back exactly as written, i.e. canonical integers.
func fixASlashB(s string) string {
	parts := strings.Split(s, "/")
	if len(parts) != 2 || !canonicalIntRe.MatchString(parts[0]) || !canonicalIntRe.MatchString(parts[1]) {
		return s
	}
	return `\frac{` + parts[0] + `}{` + parts[1] + `}`
}
