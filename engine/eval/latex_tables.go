package eval

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Tables of LaTeX macros shared by the two LaTeX-to-text converters
// (latex2text.go for Strict, pylatexenc.go for PRM800K). The symbols print as
// pylatexenc 2.10 prints them; a macro missing here prints as nothing in both.

var latexSymbols = map[string]string{
	"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
	"zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "varkappa": "ϰ",
	"lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ", "rho": "ρ",
	"varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
	"chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
	"Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "digamma": "ϝ",
	"infty": "∞", "cup": "∪", "cap": "∩", "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓",
	"le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "approx": "≈", "sim": "∼", "simeq": "≃",
	"cong": "≅", "equiv": "≡", "propto": "∝", "circ": "∘", "bullet": "∙", "ast": "∗", "star": "⋆",
	"ldots": "…", "cdots": "⋯", "dots": "…", "vdots": "⋮", "ddots": "⋱", "in": "∈", "notin": "∉",
	"ni": "∋", "subset": "⊂", "supset": "⊃", "subseteq": "⊆", "supseteq": "⊇", "setminus": "∖",
	"smallsetminus": "∖", "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "nexists": "∄",
	"partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮", "angle": "∠",
	"measuredangle": "∡", "perp": "⊥", "parallel": "∥", "to": "→", "rightarrow": "→", "leftarrow": "←",
	"leftrightarrow": "↔", "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔", "mapsto": "↦",
	"uparrow": "↑", "downarrow": "↓", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
	"lceil": "⌈", "rceil": "⌉", "vert": "|", "lvert": "|", "rvert": "|", "Vert": "‖", "mid": "|",
	"prime": "'", "ell": "ℓ", "hbar": "ħ", "aleph": "ℵ", "textdegree": "°", "dagger": "†", "dag": "†",
	"square": "□", "oplus": "⊕", "otimes": "⊗", "ominus": "⊖", "odot": "⊙", "wedge": "∧", "vee": "∨",
	"lnot": "¬", "ll": "≪", "gg": "≫", "textpm": "±", "textmp": "∓", "texttimes": "×", "textdiv": "÷",
	"backslash": `\`, "textbackslash": `\`, "limsup": "lim sup", "liminf": "lim inf",
	",": " ", ";": " ", ":": " ", " ": " ", "!": "", "quad": "  ", "qquad": "    ", "\\": "\n",
	"%": "%", "$": "$", "{": "{", "}": "}", "#": "#", "&": "&", "_": "_",
}

// pyOperatorNames print as themselves in pylatexenc; other names (\cot, \sec,
// \csc, \det, \gcd) print as nothing there.
var pyOperatorNames = map[string]bool{
	"sin": true, "cos": true, "tan": true, "arcsin": true, "arccos": true, "arctan": true, "sinh": true,
	"cosh": true, "tanh": true, "arcsinh": true, "arccosh": true, "arctanh": true, "ln": true, "log": true,
	"exp": true, "max": true, "min": true, "sup": true, "inf": true, "lim": true,
}

// strictOperatorNames print as themselves in the Strict reading.
var strictOperatorNames = map[string]bool{
	"cot": true, "sec": true, "csc": true, "coth": true, "lg": true, "arg": true, "deg": true, "det": true,
	"dim": true, "gcd": true, "hom": true, "ker": true, "Pr": true, "lcm": true, "mod": true, "bmod": true,
}

func isOperatorName(name string, mode Mode) bool {
	return pyOperatorNames[name] || mode == Strict && strictOperatorNames[name]
}

var latexFracs = map[string]bool{"frac": true, "dfrac": true, "tfrac": true, "cfrac": true, "nicefrac": true}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// pyMacro is how pylatexenc parses (args: "{" mandatory, "[" optional, "*"
// star) and prints a macro.
type pyMacro struct {
	args string
	kind pyKind
	text string // pyCombining: the combining mark
}

type pyKind int

const (
	pyDiscard pyKind = iota // prints nothing, arguments included
	pyContent               // prints its arguments
	pyFrac                  // "%s/%s"
	pySqrt                  // "√(%(2)s)": the degree is dropped
	pyFirst                 // "%s"
	pyThird                 // "%(3)s"
	pyBold                  // mathematical alphanumerics
	pyItalic
	pyDoubleStruck
	pyCombining
)

var pyMacros = map[string]pyMacro{
	"frac": {"{{", pyFrac, ""}, "nicefrac": {"{{", pyFrac, ""}, "sqrt": {"[{", pySqrt, ""},
	"text": {"{", pyContent, ""}, "textbf": {"{", pyContent, ""}, "textit": {"{", pyContent, ""},
	"textrm": {"{", pyContent, ""}, "textsc": {"{", pyContent, ""}, "textsl": {"{", pyContent, ""},
	"emph": {"{", pyContent, ""}, "mathrm": {"{", pyContent, ""}, "mbox": {"{", pyDiscard, ""},
	"textsf": {"{", pyDiscard, ""}, "texttt": {"{", pyDiscard, ""}, "textup": {"{", pyDiscard, ""},
	"textmd": {"{", pyDiscard, ""}, "label": {"{", pyDiscard, ""}, "hspace": {"*{", pyDiscard, ""},
	"hphantom": {"[{", pyDiscard, ""}, "vphantom": {"[{", pyDiscard, ""}, "ensuremath": {"{", pyDiscard, ""},
	"color": {"[{", pyDiscard, ""}, "textcolor": {"[{{", pyThird, ""}, "colorbox": {"[{{", pyThird, ""},
	"overline": {"{", pyFirst, ""}, "underline": {"{", pyFirst, ""}, "widehat": {"{", pyFirst, ""},
	"widetilde": {"{", pyFirst, ""}, "overrightarrow": {"{", pyFirst, ""}, "overleftarrow": {"{", pyFirst, ""},
	"overbrace": {"{", pyFirst, ""}, "underbrace": {"{", pyFirst, ""},
	"mathbf": {"{", pyBold, ""}, "mathit": {"{", pyItalic, ""}, "mathbb": {"{", pyDoubleStruck, ""},
	"hat": {"{", pyCombining, "\u0302"}, "vec": {"{", pyCombining, "\u20d7"}, "bar": {"{", pyCombining, "\u0305"},
	"tilde": {"{", pyCombining, "\u0303"}, "dot": {"{", pyCombining, "\u0307"}, "ddot": {"{", pyCombining, "\u0308"},
}

// Environments printed as "[ a b; c d ]"; the others print their body.
// Display equations print as an indented block.
var pyDisplayEnvs = map[string]bool{"equation": true, "eqnarray": true, "align": true, "multline": true,
	"gather": true, "dmath": true}

var pyMatrixEnvs = map[string]bool{"pmatrix": true, "bmatrix": true, "array": true, "smallmatrix": true,
	"psmallmatrix": true, "bsmallmatrix": true}

// envNameRe is an environment name that pylatexenc reads after \begin or \end.
var envNameRe = regexp.MustCompile(`^\s*\{[A-Za-z*]+\}`)

var pySpecials = [][2]string{{"---", "—"}, {"--", "–"}, {"``", "“"}, {"''", "”"}, {"!`", "¡"}, {"?`", "¿"}, {"~", "\u00a0"}}

// pySpecial reads one character, or one of the character sequences that
// pylatexenc prints otherwise ("--" is an en dash, "~" a no-break space).
func pySpecial(s string) (n int, text string) {
	for _, sp := range pySpecials {
		if strings.HasPrefix(s, sp[0]) {
			return len(sp[0]), sp[1]
		}
	}
	_, n = utf8.DecodeRuneInString(s)
	return n, s[:n]
}

// mathAlphanumerics maps ASCII letters to a Unicode mathematical style: the
// first capital and small letter of the style, and the letters Unicode had
// placed elsewhere before.
func mathAlphanumerics(s string, kind pyKind) string {
	start := map[pyKind][2]rune{pyBold: {0x1D400, 0x1D41A}, pyItalic: {0x1D434, 0x1D44E},
		pyDoubleStruck: {0x1D538, 0x1D552}}[kind]
	holes := map[pyKind]map[rune]rune{pyItalic: {'h': 0x210E}, pyDoubleStruck: {'C': 0x2102, 'H': 0x210D,
		'N': 0x2115, 'P': 0x2119, 'Q': 0x211A, 'R': 0x211D, 'Z': 0x2124}}[kind]
	return strings.Map(func(r rune) rune {
		switch {
		case holes[r] != 0:
			return holes[r]
		case r >= 'A' && r <= 'Z':
			return start[0] + r - 'A'
		case r >= 'a' && r <= 'z':
			return start[1] + r - 'a'
		}
		return r
	}, s)
}

// formatMatrix is pylatexenc's "[ a b; c d ]", cells padded to one width.
func formatMatrix(rows [][]string, fail func()) string {
	width, cells := 0, 0
	for _, r := range rows {
		for _, c := range r {
			width = max(width, utf8.RuneCountInString(c))
			cells++
		}
	}
	if cells == 0 {
		fail() // max() of an empty sequence
		return ""
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		padded := make([]string, len(r))
		for j, c := range r {
			padded[j] = strings.Repeat(" ", width-utf8.RuneCountInString(c)) + c
		}
		lines[i] = strings.Join(padded, " ")
	}
	return "[ " + strings.Join(lines, "; ") + " ]"
}
