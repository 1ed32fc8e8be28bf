package eval

import (
	"regexp"
	"strings"
)

// LastBoxed returns the content of the last \boxed{...} or \fbox{...} in s,
// with nested braces kept. The brace-less form "\boxed 5" yields the text up
// to the next "$" or line end, as in Hendrycks' last_boxed_only_string.
func LastBoxed(s string) (string, bool) {
	end := len(s)
	for end > 0 {
		i, name := lastOf(s[:end], `\boxed`, `\fbox`)
		if i < 0 {
			return "", false
		}
		if content, ok := boxedAt(s, i+len(name)); ok {
			return content, true
		}
		// Unbalanced or empty marker: try an earlier one.
		end = i
	}
	return "", false
}

func lastOf(s string, names ...string) (int, string) {
	best, bestName := -1, ""
	for _, n := range names {
		if i := strings.LastIndex(s, n); i > best {
			best, bestName = i, n
		}
	}
	return best, bestName
}

// boxedAt reads the argument of a box macro whose name ends at pos.
func boxedAt(s string, pos int) (string, bool) {
	rest := s[pos:]
	trimmed := strings.TrimLeft(rest, " ")
	if strings.HasPrefix(trimmed, "{") {
		depth := 0
		start := len(s) - len(trimmed)
		for j := start; j < len(s); j++ {
			switch s[j] {
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					return s[start+1 : j], true
				}
			}
		}
		return "", false
	}
	if len(trimmed) == len(rest) {
		return "", false // "\boxedfoo" is another macro
	}
	if k := strings.IndexAny(trimmed, "$\n"); k >= 0 {
		trimmed = trimmed[:k]
	}
	trimmed = strings.TrimSpace(trimmed)
	return trimmed, trimmed != ""
}

var (
	gsmNumberRe   = regexp.MustCompile(`-?[0-9][0-9,]*(?:\.[0-9]+)?|-?\.[0-9]+`)
	answerIsRe    = regexp.MustCompile(`(?i)(?:final answer|the answer)\s*(?:is|:)\s*:?\s*`)
	hashAnswerRe  = regexp.MustCompile(`####\s*`)
	inlineMathRe  = regexp.MustCompile(`^\$+([^$]*)\$+`)
	inlineParenRe = regexp.MustCompile(`^\\\((.*?)\\\)`)
)

// GSM8KAnswer returns the final number of a GSM8K-style solution: the text
// after the last "####" if present, otherwise the last number in s. Commas,
// "$" and a trailing period are removed.
func GSM8KAnswer(s string) (string, bool) {
	if i := strings.LastIndex(s, "####"); i >= 0 {
		tail := strings.TrimSpace(s[i+4:])
		if line, _, _ := strings.Cut(tail, "\n"); line != "" {
			tail = line
		}
		if m := gsmNumberRe.FindString(strings.ReplaceAll(tail, "$", "")); m != "" {
			return cleanNumber(m), true
		}
		tail = strings.TrimSpace(tail)
		return tail, tail != ""
	}
	all := gsmNumberRe.FindAllString(s, -1)
	if len(all) == 0 {
		return "", false
	}
	return cleanNumber(all[len(all)-1]), true
}

func cleanNumber(m string) string {
	m = strings.ReplaceAll(m, ",", "")
	return strings.TrimSuffix(m, ".")
}

// ExtractAnswer pulls the final answer out of a model completion. In order:
//  1. the last \boxed{...} / \fbox{...};
//  2. the text after the last "####" (GSM8K style);
//  3. the text after the last "The answer is" / "final answer is" / "answer:",
//     up to the end of the line, without inline "$...$" or "\(...\)"
//     delimiters and a trailing period.
//
// There is deliberately no "last number in the text" fallback: for MATH it
// mostly picks intermediate results and inflates false positives.
func ExtractAnswer(completion string) (string, bool) {
	if a, ok := LastBoxed(completion); ok {
		return strings.TrimSpace(a), true
	}
	if locs := hashAnswerRe.FindAllStringIndex(completion, -1); len(locs) > 0 {
		if a := answerLine(completion[locs[len(locs)-1][1]:]); a != "" {
			return a, true
		}
	}
	if locs := answerIsRe.FindAllStringIndex(completion, -1); len(locs) > 0 {
		if a := answerLine(completion[locs[len(locs)-1][1]:]); a != "" {
			return a, true
		}
	}
	return "", false
}

// answerLine takes the rest of the current line as an answer.
func answerLine(tail string) string {
	tail = strings.TrimSpace(tail)
	if m := inlineMathRe.FindStringSubmatch(tail); m != nil {
		return strings.TrimSpace(m[1])
	}
	if m := inlineParenRe.FindStringSubmatch(tail); m != nil {
		return strings.TrimSpace(m[1])
	}
	line, _, _ := strings.Cut(tail, "\n")
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(line, ".")
	return strings.TrimSpace(strings.Trim(line, "$"))
}
