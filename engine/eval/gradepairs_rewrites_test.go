package eval

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// The rewrites that generatePairs applies to each gold answer.

func spacing(g string, r *rand.Rand) []variant {
	spaced := strings.NewReplacer("+", " + ", "-", " - ", "=", " = ").Replace(g)
	if !strings.Contains(g, `,\!`) && !regexp.MustCompile(`[0-9],[0-9]{3}`).MatchString(g) {
		spaced = strings.ReplaceAll(spaced, ",", ", ")
	}
	vs := []variant{{strings.ReplaceAll(g, " ", ""), "space-removed", true}, {spaced, "space-added", true}}
	if r.IntN(2) == 0 {
		vs = append(vs, variant{" " + g + " ", "space-outer", true}, variant{g + "\n", "newline", true})
	}
	return vs
}

func leftRight(g string, r *rand.Rand) []variant {
	s := strings.NewReplacer(`\left`, "", `\right`, "").Replace(g)
	var vs []variant
	if s != g {
		vs = append(vs, variant{s, "leftright-removed", true})
	}
	if n := len(s); n > 1 && strings.ContainsAny(s[:1], "([") && strings.ContainsAny(s[n-1:], ")]") {
		vs = append(vs, variant{`\left` + s[:1] + " " + s[1:n-1] + ` \right` + s[n-1:], "leftright-added", true})
	} else if r.IntN(4) == 0 {
		vs = append(vs, variant{`\left(` + s + `\right)`, "leftright-wrapped", true})
	}
	return vs
}

func fracForms(g string, r *rand.Rand) []variant {
	if !strings.Contains(g, `frac`) {
		return nil
	}
	base := strings.NewReplacer(`\dfrac`, `\frac`, `\tfrac`, `\frac`).Replace(g)
	vs := []variant{{strings.ReplaceAll(base, `\frac`, pick(r, `\dfrac`, `\tfrac`)), "dfrac", true}}
	if base != g {
		vs = append(vs, variant{base, "frac-plain", true})
	}
	if m := simpleFrac.FindStringSubmatch(g); m != nil {
		if len(m[2]) == 1 && len(m[3]) == 1 {
			vs = append(vs, variant{m[1] + `\frac` + m[2] + m[3], "frac-nobraces", true},
				variant{m[1] + `\frac ` + m[2] + " " + m[3], "frac-nobraces", true})
		}
		if len(m[2]) == 1 {
			vs = append(vs, variant{m[1] + `\frac` + m[2] + "{" + m[3] + "}", "frac-nobraces", true})
		}
		vs = append(vs, variant{m[1] + m[2] + "/" + m[3], "frac-slash", true},
			variant{m[1] + "{" + m[2] + "}/{" + m[3] + "}", "frac-slash", true},
			variant{`\frac{` + m[1] + m[2] + "}{" + m[3] + "}", "frac-signed-num", true})
	}
	return vs
}

func textWraps(g string, r *rand.Rand) []variant {
	if strings.HasPrefix(g, `\text{`) && strings.HasSuffix(g, "}") {
		inner := g[len(`\text{`) : len(g)-1]
		return []variant{{inner, "text-removed", true}, {`\textbf{` + inner + "}", "textbf", true},
			{`\mathrm{` + inner + "}", "mathrm", true}, {`\mbox{` + inner + "}", "mbox", true}}
	}
	if strings.ContainsAny(g, `\{}`) && r.IntN(2) == 0 {
		return []variant{{`\text{` + g + "}", "text-wrapped", true}}
	}
	return []variant{{`\text{` + g + "}", "text-wrapped", true}, {`\mathrm{` + g + "}", "mathrm", true}}
}

func units(g string, r *rand.Rand) []variant {
	if !isNumberish(g) {
		return nil
	}
	u := pick(r, `\text{ cm}`, `\mbox{ cm}`, ` cm`, `\text{ meters}`, ` inches`, `\text{ units}`,
		`\text{ square units}`, `\text{ dollars}`, `\text{ days}`, ` feet`, `\text{ cm}^2`, `\mbox{ inches}^2`,
		` \text{miles}`, `\text{ seconds}`, ` hours`, `\,\text{m}`, `\text{ apples}`)
	return []variant{{g + u, "unit", true}, {g + pick(r, " ", "") + pick(r, `\text{ years}`, `\text{ km}`, ` minutes`, ` mph`), "unit", true}}
}

func degrees(g string, r *rand.Rand) []variant {
	if strings.Contains(g, `circ`) {
		s := strings.NewReplacer(`^\circ`, "", `^{\circ}`, "").Replace(g)
		return []variant{{s, "degree-removed", true}, {s + `^{\circ}`, "degree", true}, {s + " degrees", "degree", true}, {s + `\degree`, "degree", true}}
	}
	if !intRe.MatchString(g) {
		return nil
	}
	return []variant{{g + pick(r, `^\circ`, `^{\circ}`, ` ^\circ`, `°`, ` degrees`, `\text{ degrees}`), "degree", true}}
}

func percents(g string, r *rand.Rand) []variant {
	if !isNumberish(g) || r.IntN(2) == 0 {
		return nil
	}
	return []variant{{g + pick(r, `\%`, `%`, ` \%`, ` percent`), "percent", true}}
}

func dollars(g string, r *rand.Rand) []variant {
	if strings.HasPrefix(g, `\$`) {
		s := g[2:]
		return []variant{{s, "dollar-removed", true}, {"$" + s, "dollar", true}, {s + " dollars", "dollar", true}}
	}
	if !isNumberish(g) || r.IntN(2) == 0 {
		return nil
	}
	return []variant{{pick(r, `\$`, `$`, `\$ `) + g, "dollar", true}}
}

// sciNotation writes integers and decimals as mantissa times a power of ten.
func sciNotation(g string, r *rand.Rand) []variant {
	v, ok := goldRational(g)
	if !ok || v.Sign() == 0 {
		return nil
	}
	if _, exact := terminating(v); !v.IsInt() && !exact {
		return nil
	}
	f, _ := v.Float64()
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	mant := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f/math.Pow(10, float64(exp)), 'f', 6, 64), "0"), ".")
	e := strconv.Itoa(exp)
	vs := []variant{
		{mant + `\times 10^{` + e + "}", "sci-times", true},
		{mant + pick(r, `\cdot10^{`, ` \cdot 10^{`) + e + "}", "sci-cdot", true},
		{mant + pick(r, "e", "E") + e, "sci-e", true},
	}
	if len(e) == 1 {
		vs = append(vs, variant{mant + `\times10^` + e, "sci-times", true})
	}
	wrong := strconv.Itoa(exp + 1)
	return append(vs, variant{mant + `\times 10^{` + wrong + "}", "sci-wrong-exponent", false})
}

// decimals writes a fraction as a decimal: exactly when it terminates, else rounded.
func decimals(g string, r *rand.Rand) []variant {
	v, ok := goldRational(g)
	if !ok || v.IsInt() {
		return nil
	}
	if d, exact := terminating(v); exact {
		return []variant{{d, "decimal-exact", true}, {strings.TrimPrefix(d, "0"), "decimal-exact", true}}
	}
	var vs []variant
	for _, digits := range []int{2, 4, 6, 12} {
		vs = append(vs, variant{v.FloatString(digits), "decimal-rounded", false})
	}
	vs = append(vs, variant{vs[1].given + `\ldots`, "decimal-rounded", false})
	return vs[r.IntN(2):]
}

func unreduced(g string, r *rand.Rand) []variant {
	v, ok := goldRational(g)
	if !ok || len(g) > 12 {
		return nil
	}
	k := int64(2 + r.IntN(3))
	num := new(big.Int).Mul(v.Num(), big.NewInt(k))
	den := new(big.Int).Mul(v.Denom(), big.NewInt(k))
	vs := []variant{{`\frac{` + num.String() + "}{" + den.String() + "}", "unreduced", true}}
	if !v.IsInt() {
		vs = append(vs, variant{v.Num().String() + "/" + v.Denom().String(), "fraction-of-decimal", true},
			variant{`\frac{` + v.Num().String() + "}{" + v.Denom().String() + "}", "fraction-of-decimal", true})
	}
	return vs
}

// reorder moves the first top-level term of a sum to the end, or swaps factors.
func reorder(g string, r *rand.Rand) []variant {
	terms := topLevelTerms(g)
	var vs []variant
	if len(terms) > 1 {
		first := terms[0]
		if !strings.HasPrefix(first, "-") {
			first = "+" + first
		}
		rest := strings.TrimPrefix(strings.Join(terms[1:], ""), "+")
		vs = append(vs, variant{rest + first, "reorder-sum", true})
		// A sign error in the last term.
		last := terms[len(terms)-1]
		flipped := map[byte]string{'+': "-", '-': "+"}[last[0]] + last[1:]
		vs = append(vs, variant{strings.Join(terms[:len(terms)-1], "") + flipped, "sign-of-term", false})
	}
	if m := regexp.MustCompile(`^([0-9]+) ?(\\sqrt\{[0-9]+\}|\\pi|[a-z])$`).FindStringSubmatch(g); m != nil {
		vs = append(vs, variant{m[2] + pick(r, `\cdot `, `\times `, " \\cdot ", "*") + m[1], "reorder-product", true},
			variant{m[1] + pick(r, `\cdot `, `\times `, "*") + m[2], "product-sign", true})
	}
	return vs
}

func tuples(g string, r *rand.Rand) []variant {
	if strings.HasPrefix(g, `\{`) && strings.HasSuffix(g, `\}`) {
		inner := g[2 : len(g)-2]
		parts := strings.Split(inner, ",")
		if len(parts) == 2 {
			return []variant{{`\{` + parts[1] + "," + parts[0] + `\}`, "set-reordered", true}, {inner, "set-unbraced", true}}
		}
	}
	if parts := strings.Split(g, ","); len(parts) > 1 && !strings.ContainsAny(g, "()[]{}") {
		return []variant{{"(" + g + ")", "list-bracketed", false}, {strings.Join(reversed(parts), ","), "list-reordered", false}}
	}
	open, close, elems := tupleElems(g)
	if len(elems) < 2 {
		return nil
	}
	swapped := append([]string(nil), elems...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	other := map[string]string{"(": "[", "[": "(", ")": "]", "]": ")"}
	vs := []variant{
		{open + strings.Join(swapped, ", ") + close, "tuple-swapped", swapped[0] == swapped[1]},
		{open + strings.Join(elems, pick(r, ",", ", ", " , ")) + close, "tuple-spacing", true},
		{other[open] + strings.Join(elems, ",") + close, "bracket-changed", false},
		{strings.Join(elems, ", "), "tuple-unbracketed", false},
		{open + strings.Join(elems[:len(elems)-1], ",") + close, "tuple-shortened", false},
	}
	if r.IntN(2) == 0 {
		vs = append(vs, variant{open + strings.Join(elems, ",") + other[close], "bracket-changed", false})
	}
	return vs
}

func reversed(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = strings.TrimSpace(x)
	}
	return out
}

func roots(g string, r *rand.Rand) []variant {
	m := sqrtRe.FindStringSubmatchIndex(g)
	if m == nil {
		return nil
	}
	arg := g[m[2]:m[3]]
	at := func(repl string) string { return g[:m[0]] + repl + g[m[1]:] }
	n := pick(r, "3", "4")
	vs := []variant{
		{at(`\sqrt ` + arg), "sqrt-nobraces", len(arg) == 1},
		{at("(" + arg + `)^{1/2}`), "sqrt-power", true},
		{at(`\sqrt[2]{` + arg + "}"), "sqrt-index2", true},
		{at(`\sqrt[` + n + `]{` + arg + "}"), "sqrt-index-wrong", false},
		{at("(" + arg + `)^{\frac{1}{2}}`), "sqrt-power", true},
	}
	if intRe.MatchString(arg) {
		k, _ := strconv.Atoi(arg)
		vs = append(vs, variant{at(`\sqrt{` + strconv.Itoa(k+1) + "}"), "sqrt-off-by-one", false},
			variant{at(`\sqrt{` + strconv.Itoa(4*k) + "}/2"), "sqrt-rescaled", true})
	}
	return vs
}

// trig rewrites the one trigonometric gold answer (\cot x); trigGrid adds
// pairs of every function name against every other.
func trig(g string, r *rand.Rand) []variant {
	if g != `\cot x` {
		return nil
	}
	return []variant{{`\frac{1}{\tan x}`, "trig-reciprocal", true}, {`\operatorname{cot} x`, "operatorname", true},
		{"cot x", "trig-plain", true}, {`\cot{x}`, "trig-braced", true}, {`\cot(x)`, "trig-parens", true},
		{`\frac{\cos x}{\sin x}`, "trig-quotient", true}, {`\tan x`, "trig-name", false}, {`\cos x`, "trig-name", false}}
}

func piForms(g string, r *rand.Rand) []variant {
	if !strings.Contains(g, `\pi`) {
		return nil
	}
	vs := []variant{{strings.ReplaceAll(g, `\pi`, "π"), "pi-unicode", true}, {strings.ReplaceAll(g, `\pi`, " pi"), "pi-plain", true},
		{strings.ReplaceAll(g, `\pi`, `\cdot\pi`), "pi-cdot", !strings.HasPrefix(g, `\pi`)},
		{strings.ReplaceAll(g, `\pi`, "3.14"), "pi-approx", false},
		{strings.ReplaceAll(g, `\pi`, "(3.14159265359)"), "pi-approx", false}}
	if m := regexp.MustCompile(`^(-?)\\frac\{\\pi\}\{([0-9]+)\}$`).FindStringSubmatch(g); m != nil {
		d, _ := strconv.Atoi(m[2])
		vs = append(vs, variant{m[1] + `\pi/` + m[2], "pi-slash", true}, variant{m[1] + `\frac{1}{` + m[2] + `}\pi`, "pi-coefficient", true},
			variant{m[1] + `\frac{\pi}{` + strconv.Itoa(d+1) + "}", "pi-off-by-one", false})
		if dec, ok := terminating(big.NewRat(1, int64(d))); ok {
			vs = append(vs, variant{m[1] + dec + `\pi`, "pi-decimal-coefficient", true})
		}
	}
	if m := regexp.MustCompile(`^([0-9]+) ?\\pi$`).FindStringSubmatch(g); m != nil {
		vs = append(vs, variant{`\pi ` + m[1], "reorder-product", true}, variant{m[1] + `\times\pi`, "pi-times", true})
	}
	return vs
}

// approximations of constant answers with irrational parts, never equal.
func approximations(g string, r *rand.Rand) []variant {
	if !strings.Contains(g, `\sqrt`) && !strings.Contains(g, `\pi`) {
		return nil
	}
	f, ok := goldFloat(g)
	if !ok {
		return nil
	}
	var vs []variant
	for _, digits := range []int{3, 6, 12, 16} {
		vs = append(vs, variant{strconv.FormatFloat(f, 'g', digits, 64), fmt.Sprintf("approx-%d", digits), false})
	}
	return vs[r.IntN(2):]
}

func offByOne(g string, r *rand.Rand) []variant {
	if intRe.MatchString(g) {
		n, _ := strconv.Atoi(g)
		return []variant{{strconv.Itoa(n + 1), "off-by-one", false}, {strconv.Itoa(n - 1), "off-by-one", false}}
	}
	if m := simpleFrac.FindStringSubmatch(g); m != nil {
		a, _ := strconv.Atoi(m[2])
		return []variant{{m[1] + `\frac{` + strconv.Itoa(a+1) + "}{" + m[3] + "}", "off-by-one", false},
			{m[1] + `\frac{` + m[3] + "}{" + m[2] + "}", "frac-inverted", m[2] == m[3]}}
	}
	if m := regexp.MustCompile(`[0-9]+`).FindStringIndex(g); m != nil && r.IntN(2) == 0 {
		n, _ := strconv.Atoi(g[m[0]:m[1]])
		return []variant{{g[:m[0]] + strconv.Itoa(n+1) + g[m[1]:], "off-by-one", false}}
	}
	return nil
}

func signFlip(g string, r *rand.Rand) []variant {
	if !isNumberish(g) && !regexp.MustCompile(`^[-+0-9a-z ^{}\\]*$`).MatchString(g) {
		return nil
	}
	if len(topLevelTerms(g)) > 1 {
		return []variant{{"-(" + g + ")", "sign-flip", false}, {"-(-(" + g + "))", "double-negative", true}}
	}
	if strings.HasPrefix(g, "-") {
		return []variant{{g[1:], "sign-flip", false}, {"-(" + g[1:] + ")", "sign-paren", true}}
	}
	return []variant{{"-" + g, "sign-flip", g == "0"}, {"-(-" + g + ")", "double-negative", true}, {"+" + g, "plus-sign", true}}
}

func mixedNumbers(g string, r *rand.Rand) []variant {
	m := simpleFrac.FindStringSubmatch(g)
	if m == nil || m[1] != "" {
		return nil
	}
	a, _ := strconv.Atoi(m[2])
	b, _ := strconv.Atoi(m[3])
	if a <= b || b < 2 {
		return nil
	}
	w, rem := strconv.Itoa(a/b), strconv.Itoa(a%b)
	return []variant{{w + `\frac{` + rem + "}{" + m[3] + "}", "mixed", a%b != 0}, {w + " " + rem + "/" + m[3], "mixed", a%b != 0},
		{w + `+\frac{` + rem + "}{" + m[3] + "}", "mixed-plus", true}, {w + `\,\frac{` + rem + "}{" + m[3] + "}", "mixed", a%b != 0}}
}

func eqPrefix(g string, r *rand.Rand) []variant {
	if strings.Contains(g, "=") {
		i := strings.Index(g, "=")
		return []variant{{strings.TrimSpace(g[i+1:]), "eq-removed", true}}
	}
	if !isNumberish(g) && !strings.ContainsAny(g, "x") {
		return nil
	}
	return []variant{{pick(r, "x", "k", "n", "y", "ab", `\theta`) + pick(r, " = ", "=") + g, "eq-prefix", true}}
}

func thousands(g string, r *rand.Rand) []variant {
	plain := strings.NewReplacer(`,\! `, "", `,\!`, "", `\$`, "", ",", "").Replace(g)
	if !intRe.MatchString(plain) || len(plain) < 4 || strings.HasPrefix(plain, "-") {
		return nil
	}
	var groups []string
	for i := len(plain); i > 0; i -= 3 {
		groups = append([]string{plain[max(0, i-3):i]}, groups...)
	}
	vs := []variant{{strings.Join(groups, pick(r, ",", `{,}`, `,\!`, `\,`, " ")), "thousands", true}}
	if plain != g {
		vs = append(vs, variant{plain, "thousands-removed", true})
	}
	return vs
}

func floatForms(g string, r *rand.Rand) []variant {
	if intRe.MatchString(g) {
		return []variant{{g + pick(r, ".0", ".00", ".000"), "float-int", true}, {g + ".00000001", "float-near-int", false},
			{g + ".5", "float-half", false}}
	}
	if decRe.MatchString(g) {
		return []variant{{g + "0", "decimal-trailing-zero", true}, {strings.TrimPrefix(g, "0"), "decimal-no-leading-zero", true}}
	}
	return nil
}

func boxed(g string, r *rand.Rand) []variant {
	if r.IntN(3) != 0 {
		return nil
	}
	return []variant{{`\boxed{` + g + "}", "boxed", true}}
}

func caseForms(g string, r *rand.Rand) []variant {
	m := regexp.MustCompile(`^\\text\{\(?([A-Za-z]+)\)?\}$`).FindStringSubmatch(g)
	if m == nil {
		return nil
	}
	w := m[1]
	vs := []variant{{strings.ToUpper(w), "case", true}, {strings.ToLower(w), "case", true}}
	if len(w) == 1 {
		wrong := string(rune('A' + (w[0]-'A'+1)%5))
		vs = append(vs, variant{"(" + w + ")", "choice", true}, variant{w, "choice", true}, variant{`\textbf{(` + w + ")}", "choice", true},
			variant{`\text{(` + wrong + ")}", "choice-wrong", false}, variant{wrong, "choice-wrong", false})
	} else {
		vs = append(vs, variant{w + "s", "word-plural", false}, variant{`\text{` + w[:len(w)-1] + "}", "word-truncated", false})
	}
	return vs
}

func matrices(g string, r *rand.Rand) []variant {
	if !strings.Contains(g, `\begin{pmatrix}`) {
		return nil
	}
	body := g[len(`\begin{pmatrix}`) : len(g)-len(`\end{pmatrix}`)]
	cells := regexp.MustCompile(`-?[0-9]+(/[0-9]+)?`).FindAllStringIndex(body, -1)
	vs := []variant{{`\begin{bmatrix}` + body + `\end{bmatrix}`, "matrix-bmatrix", true},
		{`\left(\begin{matrix}` + body + `\end{matrix}\right)`, "matrix-matrix", true},
		{strings.ReplaceAll(g, " ", ""), "space-removed", true}}
	if len(cells) > 1 {
		c0, c1 := body[cells[0][0]:cells[0][1]], body[cells[1][0]:cells[1][1]]
		sw := body[:cells[0][0]] + c1 + body[cells[0][1]:cells[1][0]] + c0 + body[cells[1][1]:]
		vs = append(vs, variant{`\begin{pmatrix}` + sw + `\end{pmatrix}`, "matrix-swapped", c0 == c1})
	}
	if fr := regexp.MustCompile(`(-?)([0-9]+)/([0-9]+)`); fr.MatchString(body) {
		vs = append(vs, variant{fr.ReplaceAllString(g, `${1}\frac{${2}}{${3}}`), "matrix-frac", true})
	}
	if strings.Contains(g, `\\`) && !strings.Contains(g, "&") {
		rows := strings.Split(body, `\\`)
		for i := range rows {
			rows[i] = strings.TrimSpace(rows[i])
		}
		vs = append(vs, variant{"(" + strings.Join(rows, ", ") + ")", "matrix-as-tuple", true})
	}
	return vs
}

// fracQuirks probes fractions with compound parts: PRM800K reads
// \frac{a+b}{c} as a+b/c and \frac{1}{2\sqrt{3}} as (1/2)sqrt(3).
func fracQuirks(g string, r *rand.Rand) []variant {
	m := anyFracRe.FindStringSubmatchIndex(g)
	if m == nil {
		return nil
	}
	num, den := g[m[2]:m[3]], g[m[4]:m[5]]
	at := func(repl string) string { return g[:m[0]] + repl + g[m[1]:] }
	var vs []variant
	if terms := topLevelTerms(num); len(terms) > 1 {
		head := strings.Join(terms[:len(terms)-1], "")
		last := terms[len(terms)-1]
		vs = append(vs, variant{at(head + last[:1] + `\frac{` + last[1:] + "}{" + den + "}"), "frac-sum-misread", false},
			variant{at(`\frac{` + strings.Join(reversed(terms), "+") + "}{" + den + "}"), "frac-sum-reordered", !strings.Contains(num, "-")})
	}
	if len(num) > 1 || len(den) > 1 {
		vs = append(vs, variant{at("(" + num + ")/(" + den + ")"), "frac-slash-parens", true},
			variant{at(num + "/" + den), "frac-slash-bare", len(topLevelTerms(num)) == 1 && regexp.MustCompile(`^([0-9]+|[a-z]|\\pi)$`).MatchString(den)})
	}
	if sm := regexp.MustCompile(`^([0-9]*)\\sqrt\{([0-9]+)\}$`).FindStringSubmatch(num); sm != nil && intRe.MatchString(den) {
		// \frac{a\sqrt{b}}{c} against \frac{a}{c\sqrt{b}}: equal only when b = c... never here.
		vs = append(vs, variant{at(`\frac{` + orOne(sm[1]) + `}{` + den + `\sqrt{` + sm[2] + `}}`), "frac-root-moved", false},
			variant{at(`\frac{` + sm[1] + `}{` + den + `}\sqrt{` + sm[2] + "}"), "frac-root-outside", true})
	}
	return vs
}

func orOne(s string) string {
	if s == "" {
		return "1"
	}
	return s
}

// powerForms probes exponents: x^{10}, grouped exponents, and powers of sums.
func powerForms(g string, r *rand.Rand) []variant {
	m := regexp.MustCompile(`\^([0-9])`).FindStringSubmatchIndex(g)
	if m == nil {
		if intRe.MatchString(g) && len(g) < 4 && r.IntN(4) == 0 {
			return []variant{{"(" + g + ")^{1}", "power-one", true}, {g + "^{1/1}", "power-one", true}}
		}
		return nil
	}
	at := func(repl string) string { return g[:m[0]] + repl + g[m[1]:] }
	e := g[m[2]:m[3]]
	return []variant{{at("^{" + e + "}"), "power-braced", true}, {at("^{" + e + "1}"), "power-two-digits", false},
		{at("**" + e), "power-stars", true}, {at("^(" + e + ")"), "power-parens", true}}
}

// powerParens writes exponent groups and roots with parentheses, as plain
// text would: x^{1/2} as x^(1/2), \sqrt{5} as 5^(1/2).
func powerParens(g string, r *rand.Rand) []variant {
	var vs []variant
	if strings.Contains(g, "^{") {
		vs = append(vs, variant{regexp.MustCompile(`\^\{([^{}]*)\}`).ReplaceAllString(g, "^($1)"), "power-parens", true})
	}
	if m := sqrtRe.FindStringSubmatchIndex(g); m != nil {
		arg := g[m[2]:m[3]]
		vs = append(vs, variant{g[:m[0]] + "(" + arg + ")^(1/2)" + g[m[1]:], "sqrt-power-parens", true},
			variant{g[:m[0]] + "(" + arg + ")^(1/3)" + g[m[1]:], "sqrt-power-parens", false})
	}
	return vs
}

// unicodeForms writes symbols as a model might type them.
func unicodeForms(g string, r *rand.Rand) []variant {
	u := strings.NewReplacer(`\pi`, "π", `\infty`, "∞", `\cdot`, "·", `\times`, "×", `^\circ`, "°", `\le `, "≤", `\ge `, "≥")
	var vs []variant
	if v := u.Replace(g); v != g {
		vs = append(vs, variant{v, "unicode", true})
	}
	if m := sqrtRe.FindStringSubmatchIndex(g); m != nil && intRe.MatchString(g[m[2]:m[3]]) {
		vs = append(vs, variant{g[:m[0]] + "√" + g[m[2]:m[3]] + g[m[1]:], "unicode-root", true},
			variant{g[:m[0]] + "√(" + g[m[2]:m[3]] + ")" + g[m[1]:], "unicode-root", true})
	}
	if strings.HasPrefix(g, "-") && r.IntN(2) == 0 {
		vs = append(vs, variant{"−" + g[1:], "unicode-minus", true}, variant{"–" + g[1:], "en-dash", true})
	}
	if g == `\frac{1}{2}` {
		vs = append(vs, variant{"½", "unicode-half", true})
	}
	return vs
}

// inequalities write intervals as conditions on x.
func inequalities(g string, r *rand.Rand) []variant {
	open, close, elems := tupleElems(g)
	if len(elems) != 2 || strings.Contains(g, `\cup`) {
		return nil
	}
	lo, hi := elems[0], elems[1]
	lt := map[string]string{"(": "<", "[": `\le`}[open]
	gt := map[string]string{")": "<", "]": `\le`}[close]
	switch {
	case lo == `-\infty`:
		return []variant{{"x " + gt + " " + hi, "inequality", true}, {"x " + lt + " " + hi, "inequality-wrong", lt == gt}}
	case hi == `\infty`:
		return []variant{{"x " + map[string]string{"<": ">", `\le`: `\ge`}[lt] + " " + lo, "inequality", true}}
	}
	return []variant{{lo + " " + lt + " x " + gt + " " + hi, "inequality", true}}
}

// orForms write lists of solutions in words.
func orForms(g string, r *rand.Rand) []variant {
	parts := strings.Split(g, ",")
	if len(parts) < 2 || len(parts) > 4 || strings.ContainsAny(g, "()[]{}") {
		return nil
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return []variant{{strings.Join(parts, ` \text{ or } `), "or-words", true}, {strings.Join(parts, " or "), "or-words", true},
		{"x = " + strings.Join(parts, ", x = "), "or-equations", true}, {strings.Join(parts, " and "), "and-words", true},
		{`\{` + strings.Join(parts, ", ") + `\}`, "set-braces", true}}
}

// latexNoise adds spacing macros and redundant groups.
func latexNoise(g string, r *rand.Rand) []variant {
	noise := pick(r, `\,`, `\;`, `\!`, `\ `, `\quad`, "~", `\displaystyle `, "{}")
	i := r.IntN(len(g) + 1)
	for _, span := range envRe.FindAllStringIndex(g, -1) {
		if i > span[0] && i < span[1] {
			i = span[0] // not inside \begin{pmatrix}
		}
	}
	for i > 0 && i < len(g) && (g[i-1] == '\\' || isASCIILetter(g[i-1]) && isASCIILetter(g[i])) {
		i--
	}
	vs := []variant{{g[:i] + noise + g[i:], "latex-noise", true}}
	if !strings.ContainsAny(g, `\{}`) && r.IntN(2) == 0 {
		vs = append(vs, variant{"{" + g + "}", "braced", true}, variant{`\left(` + g + `\right)`, "parenthesised", true})
	}
	return vs
}

// closeButWrong are wrong answers near the gold: scaled, digits swapped.
func closeButWrong(g string, r *rand.Rand) []variant {
	if !intRe.MatchString(g) || len(g) < 2 {
		if decRe.MatchString(g) {
			return []variant{{g + "1", "decimal-extra-digit", false}}
		}
		return nil
	}
	b := []byte(g)
	i := len(b) - 2
	b[i], b[i+1] = b[i+1], b[i]
	return []variant{{g + "0", "times-ten", false}, {string(b), "digits-swapped", string(b) == g}}
}

// fracSigns moves the minus sign of a fraction around.
func fracSigns(g string, r *rand.Rand) []variant {
	m := simpleFrac.FindStringSubmatch(g)
	if m == nil {
		return nil
	}
	if m[1] == "" {
		return []variant{{`\frac{-` + m[2] + "}{" + m[3] + "}", "frac-sign", false}, {`\frac{` + m[2] + "}{-" + m[3] + "}", "frac-sign", false}}
	}
	return []variant{{`\frac{-` + m[2] + "}{" + m[3] + "}", "frac-sign", true}, {`\frac{` + m[2] + "}{-" + m[3] + "}", "frac-sign", true},
		{`-\dfrac` + m[2] + m[3], "frac-sign", len(m[2]) == 1 && len(m[3]) == 1}}
}
