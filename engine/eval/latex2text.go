package eval

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// latexToText turns a LaTeX answer into plain text, standing in for
// pylatexenc's LatexNodes2Text as PRM800K uses it, followed by its symbol
// replacements (√→sqrt, π→pi, ∞→inf, ∪→U, ·/×→*). Unknown macros vanish and
// their brace groups become plain text, as in pylatexenc.
//
// Two deliberate departures, both so that equal values stay equal:
// \frac{a+b}{c} gives "(a+b)/c" (pylatexenc gives "a+b/c"), and \sqrt[n]{x}
// gives "(x)^(1/n)" (pylatexenc drops n). Matrices become "[[a,b],[c,d]]" so
// they can be compared entry by entry.
func latexToText(s string) string {
	c := &latexConv{src: s}
	return c.sequence(0, false, false)
}

var symbolReplacer = strings.NewReplacer("√", "sqrt", "π", "pi", "∞", "inf", "∪", "U", "·", "*", "×", "*")

const maxLatexDepth = 64

type latexConv struct {
	src   string
	pos   int
	depth int
}

// strictSymbols adds to latexSymbols what pylatexenc does not know.
var strictSymbols = map[string]string{"infinity": "∞", "ne": "≠", "triangle": "△"}

// Macros whose single argument is kept as text.
var latexKeepArg = map[string]bool{
	"text": true, "textbf": true, "textit": true, "textrm": true, "textsf": true, "texttt": true,
	"textsc": true, "textsl": true, "textup": true, "textnormal": true, "emph": true, "mbox": true,
	"mathrm": true, "mathbf": true, "mathit": true, "mathsf": true, "mathtt": true, "mathbb": true,
	"mathcal": true, "boldsymbol": true, "bm": true, "operatorname": true, "boxed": true,
	"fbox": true, "overline": true, "underline": true, "hat": true, "widehat": true, "bar": true,
	"vec": true, "tilde": true, "widetilde": true, "dot": true, "ddot": true, "overrightarrow": true,
}

var matrixEnvs = map[string]bool{"matrix": true, "pmatrix": true, "bmatrix": true, "vmatrix": true,
	"Bmatrix": true, "smallmatrix": true, "array": true}

// sequence renders text until closer (not consumed), the end of input, or,
// inside an environment, \end; in a matrix it also stops at & and \\.
func (c *latexConv) sequence(closer byte, inEnv, inMatrix bool) string {
	var b strings.Builder
	for c.pos < len(c.src) {
		ch := c.src[c.pos]
		if closer != 0 && ch == closer {
			break
		}
		rest := c.src[c.pos:]
		if inEnv && strings.HasPrefix(rest, `\end`) {
			break
		}
		if inMatrix && (ch == '&' || strings.HasPrefix(rest, `\\`)) {
			break
		}
		switch ch {
		case '{':
			g := c.group()
			if strings.HasSuffix(b.String(), "^") {
				g = fracText(g) // keep a compound exponent whole
			}
			b.WriteString(g)
		case '}':
			c.pos++ // stray closing brace
		case '\\':
			b.WriteString(c.macro())
		case '~':
			b.WriteByte(' ')
			c.pos++
		case '$':
			c.pos++
		default:
			_, n := utf8.DecodeRuneInString(rest)
			b.WriteString(rest[:n])
			c.pos += n
		}
	}
	return b.String()
}

// group renders "{...}" starting at the opening brace.
func (c *latexConv) group() string {
	c.pos++
	if c.depth >= maxLatexDepth {
		c.pos = len(c.src) // too deep to be an answer; give up on the rest
		return ""
	}
	c.depth++
	out := c.sequence('}', false, false)
	c.depth--
	if c.pos < len(c.src) {
		c.pos++
	}
	return out
}

// arg renders one macro argument: a group, a macro, or a single character.
func (c *latexConv) arg() string {
	for c.pos < len(c.src) && c.src[c.pos] == ' ' {
		c.pos++
	}
	if c.pos >= len(c.src) {
		return ""
	}
	switch c.src[c.pos] {
	case '{':
		return c.group()
	case '\\':
		return c.macro()
	}
	_, n := utf8.DecodeRuneInString(c.src[c.pos:])
	c.pos += n
	return c.src[c.pos-n : c.pos]
}

// optArg renders an optional "[...]" argument, or "" if there is none.
func (c *latexConv) optArg() string {
	for c.pos < len(c.src) && c.src[c.pos] == ' ' {
		c.pos++
	}
	if c.pos >= len(c.src) || c.src[c.pos] != '[' || c.depth >= maxLatexDepth {
		return ""
	}
	c.pos++
	c.depth++
	out := c.sequence(']', false, false)
	c.depth--
	if c.pos < len(c.src) {
		c.pos++
	}
	return out
}

// macro renders a control sequence starting at its backslash.
func (c *latexConv) macro() string {
	c.pos++
	if c.pos >= len(c.src) {
		return ""
	}
	start := c.pos
	for c.pos < len(c.src) && isASCIILetter(c.src[c.pos]) {
		c.pos++
	}
	if c.pos == start {
		_, n := utf8.DecodeRuneInString(c.src[c.pos:])
		c.pos += n
	} else if c.pos < len(c.src) && c.src[c.pos] == '*' {
		c.pos++ // starred variants render alike
	}
	name := strings.TrimSuffix(c.src[start:c.pos], "*")
	if c.depth >= maxLatexDepth {
		return ""
	}
	c.depth++
	defer func() { c.depth-- }()
	switch {
	case latexFracs[name]:
		num := c.arg()
		den := c.arg()
		return fracText(num) + "/" + fracText(den)
	case name == "sqrt":
		degree := strings.TrimSpace(c.optArg())
		radicand := c.arg()
		if degree == "" || degree == "2" {
			return "√(" + radicand + ")"
		}
		return "(" + radicand + ")^(1/" + fracText(degree) + ")"
	case latexKeepArg[name]:
		return c.arg()
	case name == "textcolor":
		c.arg()
		return c.arg()
	case name == "begin":
		return c.environment(strings.TrimSpace(c.arg()))
	case name == "end":
		c.arg()
		return ""
	}
	if s, ok := latexSymbols[name]; ok {
		return s
	}
	if s, ok := strictSymbols[name]; ok {
		return s
	}
	if isOperatorName(name, Strict) {
		return name
	}
	return "" // \left, \right, \displaystyle and unknown macros
}

// environment renders the body of \begin{name} ... \end{name}.
func (c *latexConv) environment(name string) string {
	if !matrixEnvs[name] {
		body := c.sequence(0, true, false)
		c.skipEnd()
		return body
	}
	if name == "array" {
		c.arg() // column spec such as {cc}
	}
	var rows []string
	var cells []string
	for {
		cells = append(cells, strings.TrimSpace(c.sequence(0, true, true)))
		rest := c.src[c.pos:]
		switch {
		case strings.HasPrefix(rest, "&"):
			c.pos++
			continue
		case strings.HasPrefix(rest, `\\`):
			c.pos += 2
		}
		if !(len(cells) == 1 && cells[0] == "") { // a trailing \\ adds no row
			rows = append(rows, "["+strings.Join(cells, ",")+"]")
		}
		cells = nil
		if !strings.HasPrefix(rest, `\\`) {
			break
		}
	}
	c.skipEnd()
	return "[" + strings.Join(rows, ",") + "]"
}

func (c *latexConv) skipEnd() {
	if strings.HasPrefix(c.src[c.pos:], `\end`) {
		c.pos += len(`\end`)
		c.arg()
	}
}

var simpleNumberRe = regexp.MustCompile(`^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$`)

// fracText parenthesises a numerator or denominator unless it is a single
// number, letter, or root, so that "/" binds as the fraction bar does.
func fracText(s string) string {
	t := strings.TrimSpace(s)
	if simpleNumberRe.MatchString(t) {
		return t
	}
	if r, n := utf8.DecodeRuneInString(t); n == len(t) && n > 0 && unicode.IsLetter(r) {
		return t
	}
	if strings.HasPrefix(t, "√(") && closesAtEnd(t[len("√"):]) {
		return t
	}
	return "(" + t + ")"
}

// closesAtEnd reports whether the "(" at s[0] is closed by the last byte.
func closesAtEnd(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i == len(s)-1
			}
		}
	}
	return false
}
