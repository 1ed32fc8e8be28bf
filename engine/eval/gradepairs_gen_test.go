package eval

import (
	"hash/fnv"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
)

// The generator of testdata/grading_pairs.jsonl: rewrites of every Math500 gold
// answer, some keeping its value and some not. The file is labelled once by the
// real PRM800K grader (testdata/label_pairs.py; TestRegenerateGradingPairs) and
// read back by TestGradingPairsAgreement.

// gradePair is one line of the golden file.
type gradePair struct {
	Given string `json:"given"`
	Gold  string `json:"gold"`
	Kind  string `json:"kind"` // the rewrite that made Given from Gold
	Same  bool   `json:"same"` // the rewrite meant to keep the value
	// Filled in by the labeller: PRM800K's verdict, and an independent sympy
	// check of value equivalence (null where it cannot read an answer).
	PRM800K *bool `json:"prm800k,omitempty"`
	Sympy   *bool `json:"sympy"`
}

// pairSplit holds out one gold answer in five, whatever its problem.
func pairSplit(gold string) string {
	h := fnv.New32a()
	h.Write([]byte(gold))
	if h.Sum32()%5 == 0 {
		return "heldout"
	}
	return "tune"
}

type variant struct {
	given, kind string
	same        bool
}

// rewrite returns variants of a gold answer (none when it does not apply).
type rewrite func(gold string, r *rand.Rand) []variant

// extraGolds are answers beyond Math500's, in the shapes where PRM800K's
// quirks live (compound fractions, roots with an index, powers, functions).
var extraGolds = []string{
	`\frac{1+\sqrt{5}}{2}`, `\frac{\sqrt{3}}{2}`, `\frac{\sqrt{2}}{2}`, `2^{1/3}`, `\sqrt[3]{4}`, `\sqrt[4]{8}`,
	`\frac{\pi}{3}`, `\frac{2\pi}{3}`, `\frac{\pi}{4}`, `\sin x`, `\cos 2x`, `\tan\theta`, `\sec x`, `\ln 2`,
	`\frac{x+1}{x-1}`, `\frac{x-1}{2}`, `(\sqrt{2}, \frac{\pi}{4})`, `\{1,2,3\}`, `[0, \pi]`, `(0, \frac{1}{2}]`,
	`\frac{3\sqrt{2}}{4}`, `x^2+2x+1`, `(x+1)^2`, `e^{2}`, `10^{10}`, `2^{10}`, `x^{12}`, `\sqrt{x-5}+1`,
	`\sqrt{2}`, `\sqrt{3}+1`, `1-\sqrt{2}`, `\frac{1}{\sqrt{2}}`, `\frac{5}{\sqrt{3}}`, `4\sqrt{2}-2`,
	`\frac{3}{2}\sqrt{5}`, `3\pi^2`, `\pi r^2`, `\frac{4}{3}\pi`, `2-\frac{\pi}{2}`, `\frac{7}{12}`, `-\frac{1}{2}`,
	`0.125`, `3.5`, `1.05`, `2.718`, `12.5\%`, `1,000,000`, `3\times 10^{5}`, `(1,2)`, `[-3, 5)`, `(-\infty, -1)`,
	`\text{(D)}`, `\text{odd}`, `\text{Tuesday}`, `a^2+b^2`, `2ab`, `\frac{a}{b}`, `x=\frac{1}{3}`, `y=-\frac{1}{2}x+3`,
	`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, `\begin{pmatrix} \frac{1}{2} \\ 0 \end{pmatrix}`, `1 \pm \sqrt{2}`,
	`\dfrac{9}{4}`, `\frac{\sqrt{6}}{3}`, `\frac{-1+\sqrt{13}}{2}`, `6-2\sqrt{5}`, `\frac{1}{8}\pi`,
	`0.35`, `0.0045`, `0.72`, `0.06`, `0.3`, `0.017`, `\frac{3}{40}`, `\frac{7}{20}`, `x^{1/2}`, `e^{x}`,
	// decimals whose scientific forms differ from them in Float arithmetic
	`0.029`, `0.56`, `0.14`, `0.23`, `0.69`, `0.83`, `0.93`, `0.011`, `0.022`,
}

// generatePairs makes the pairs of the golden file, deterministically.
func generatePairs() []gradePair {
	var golds []string
	for _, p := range Math500() {
		golds = append(golds, p.Answer)
	}
	sort.Strings(golds)
	pairs := generatePairsFrom(append(golds, extraGolds...), 2024)
	for _, c := range append(handPairs, trigGrid(rand.New(rand.NewPCG(7, 7)))...) {
		pairs = append(pairs, gradePair{Given: c.given, Gold: c.kind, Kind: "probe", Same: c.same})
	}
	return dedupPairs(pairs)
}

func dedupPairs(pairs []gradePair) []gradePair {
	seen := map[[2]string]bool{}
	out := pairs[:0]
	for _, p := range pairs {
		if k := [2]string{p.Given, p.Gold}; p.Given != "" && !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// generatePairsFrom rewrites each distinct gold answer, in order.
func generatePairsFrom(golds []string, seed uint64) []gradePair {
	seenGold := map[string]bool{}
	var order []string
	for _, g := range golds {
		if !seenGold[g] {
			seenGold[g] = true
			order = append(order, g)
		}
	}
	r := rand.New(rand.NewPCG(seed, 500))
	seen := map[[2]string]bool{}
	var out []gradePair
	add := func(given, gold, kind string, same bool) {
		k := [2]string{given, gold}
		if given == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, gradePair{Given: given, Gold: gold, Kind: kind, Same: same})
	}
	for i, gold := range order {
		add(gold, gold, "self", true)
		// Plain integers are a third of the golds; they get half the rewrites.
		keep := 1
		if intRe.MatchString(gold) {
			keep = 2
		}
		var all []variant
		for _, rw := range rewrites {
			for _, v := range rw(gold, r) {
				if r.IntN(keep) == 0 {
					add(v.given, gold, v.kind, v.same)
					all = append(all, v)
				}
			}
		}
		// Two rewrites in a row.
		for j := 0; j < 3 && len(all) > 0; j++ {
			a := all[r.IntN(len(all))]
			rw := rewrites[r.IntN(len(rewrites))]
			if vs := rw(a.given, r); len(vs) > 0 {
				b := vs[r.IntN(len(vs))]
				add(b.given, gold, a.kind+"+"+b.kind, a.same && b.same)
			}
		}
		// A wrong answer from another problem, and the pair the other way round.
		other := order[(i*7+3)%len(order)]
		add(other, gold, "other-answer", other == gold)
		if vs := offByOne(gold, r); len(vs) > 0 && r.IntN(3) == 0 {
			add(gold, vs[0].given, "swapped-roles", vs[0].same)
		}
	}
	return out
}

var rewrites = []rewrite{
	spacing, leftRight, fracForms, textWraps, units, degrees, percents, dollars,
	sciNotation, decimals, unreduced, reorder, tuples, roots, trig, piForms,
	approximations, offByOne, signFlip, mixedNumbers, eqPrefix, thousands, floatForms,
	boxed, caseForms, matrices, fracQuirks, powerForms, powerParens, unicodeForms, inequalities, orForms, latexNoise,
	closeButWrong, fracSigns,
}

var (
	intRe      = regexp.MustCompile(`^-?[0-9]+$`)
	decRe      = regexp.MustCompile(`^-?[0-9]*\.[0-9]+$`)
	simpleFrac = regexp.MustCompile(`^(-?)\\[dt]?frac\s*\{?([0-9]+)\}?\s*\{?([0-9]+)\}?$`)
	anyFracRe  = regexp.MustCompile(`\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}`)
	sqrtRe     = regexp.MustCompile(`\\sqrt\{([^{}]*)\}`)
	envRe      = regexp.MustCompile(`\\(begin|end)\{[^{}]*\}`)
)

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// goldRational reads integers, decimals and simple fractions.
func goldRational(g string) (*big.Rat, bool) {
	if m := simpleFrac.FindStringSubmatch(g); m != nil {
		return new(big.Rat).SetString(m[1] + m[2] + "/" + m[3])
	}
	if intRe.MatchString(g) || decRe.MatchString(g) {
		return new(big.Rat).SetString(g)
	}
	return nil, false
}

func terminating(v *big.Rat) (string, bool) {
	for digits := 1; digits <= 12; digits++ {
		s := v.FloatString(digits)
		if w, _ := new(big.Rat).SetString(s); w.Cmp(v) == 0 {
			return s, true
		}
	}
	return "", false
}

// topLevelTerms splits a sum at + and - outside brackets, keeping the signs.
func topLevelTerms(s string) []string {
	var terms []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '+', '-':
			if prev := strings.TrimRight(s[:i], " "); depth == 0 && prev != "" && !strings.ContainsRune("^_=,({", rune(prev[len(prev)-1])) {
				terms = append(terms, strings.TrimSpace(s[start:i]))
				start = i
			}
		case ',', '=':
			if depth == 0 {
				return nil
			}
		}
	}
	if strings.Contains(s, `\pm`) || strings.Contains(s, `\cup`) {
		return nil
	}
	return append(terms, strings.TrimSpace(s[start:]))
}

// tupleElems splits "(a, b]" into its brackets and top-level elements.
func tupleElems(g string) (open, close string, elems []string) {
	s := strings.TrimSpace(strings.NewReplacer(`\left`, "", `\right`, "").Replace(g))
	n := len(s)
	if n < 3 || !strings.ContainsAny(s[:1], "([") || !strings.ContainsAny(s[n-1:], ")]") {
		return "", "", nil
	}
	depth, start := 0, 1
	for i := 1; i < n-1; i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return "", "", nil
			}
		case ',':
			if depth == 0 {
				elems = append(elems, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return s[:1], s[n-1:], append(elems, strings.TrimSpace(s[start:n-1]))
}

var argOf = map[string]string{" x": "x", "(x)": "x", "{x}": "x", " 2x": "2x", `\theta`: "theta", " 3": "3"}

func trigGrid(r *rand.Rand) []variant {
	names := []string{"sin", "cos", "tan", "cot", "sec", "csc", "arctan", "arcsin", "ln", "log"}
	var out []variant
	for _, f := range names {
		for _, h := range names {
			for k := 0; k < 2; k++ {
				a := pick(r, " x", "(x)", " 2x", `\theta`, `{x}`, " 3")
				b := pick(r, a, " x", "(x)")
				// given, gold, same: the gold travels in kind, as for handPairs.
				out = append(out, variant{`\` + h + a, `\` + f + b, f == h && argOf[a] == argOf[b]})
			}
		}
	}
	// \cot, \sec and \csc print nothing in pylatexenc: only their argument is left.
	for _, f := range []string{"cot", "sec", "csc"} {
		for _, h := range []string{"cot", "sec", "csc"} {
			for _, a := range []string{" x", " 2x", `\theta`, "(x+1)", " 3", "{x}"} {
				out = append(out, variant{`\` + h + a, `\` + f + a, f == h})
			}
		}
		out = append(out, variant{"x", `\` + f + " x", false}, variant{`\` + f + " x", `\tan x`, false})
	}
	return out
}

// goldFloat evaluates a constant gold answer through the strict reading.
func goldFloat(g string) (float64, bool) {
	e, err := parseExpr(prmNormalize(g, Strict), Strict)
	if err != nil {
		return 0, false
	}
	vars := map[string]bool{}
	collectVars(e, vars)
	if len(vars) > 0 {
		return 0, false
	}
	v, ok := sampleValue(e, nil, &evalState{})
	if !ok {
		return 0, false
	}
	c := v.c128()
	return real(c), imag(c) == 0 && !math.IsNaN(real(c)) && !math.IsInf(real(c), 0)
}

// isNumberish: integers, decimals, simple fractions and surd multiples.
func isNumberish(g string) bool {
	_, ok := goldRational(g)
	return ok || regexp.MustCompile(`^-?[0-9]*\\sqrt\{[0-9]+\}$`).MatchString(g)
}

// handPairs are probes named in the issue and known PRM800K quirks; kind holds the gold.
var handPairs = []variant{
	{`1.41421356237`, `\sqrt{2}`, false}, {`3.14159265359`, `\pi`, false}, {`\sqrt{x-5}+1`, `1+\sqrt{x-5}`, true},
	{`1+\sqrt{x-5}`, `\sqrt{x-5}+1`, true}, {`\sqrt{x-5}+2`, `1+\sqrt{x-5}`, false}, {`1.4142135623730951`, `\sqrt{2}`, false},
	{`\sqrt{x^2}`, `x`, false}, {`\sqrt{x}\sqrt{x}`, `x`, true}, {`\frac{x^2-1}{x-1}`, `x+1`, true},
	{`\sqrt{1-x}`, `\sqrt{1-x}+0`, true}, {`\frac{1}{\sqrt{x-10}}`, `\frac{\sqrt{x-10}}{x-10}`, true},
	{`2^{1/3}`, `\sqrt[3]{2}`, true}, {`\frac{2}{3}`, `2^{1/3}`, false}, {`\sqrt{2}`, `\sqrt[3]{2}`, false},
	{`\sqrt[3]{x}`, `\sqrt[4]{x}`, false}, {`x^{1/3}`, `\sqrt[3]{x}`, true}, {`\sec x`, `\csc x`, false},
	{`\tan x`, `\cot x`, false}, {`\sin x`, `\sin(x)`, true}, {`\ln 3`, `ln3`, true}, {`\log 3`, `\ln 3`, false},
	{`e^2`, `e\cdot e`, true}, {`10^{10}`, `10000000000`, true}, {`2.5\times10^{-3}`, `0.0025`, true},
	{`1.5\times10^{3}`, `1500`, true}, {`0.1+0.2`, `0.3`, true}, {`2.00000001`, `2`, false}, {`1e-8`, `0`, false},
	{`864`, `864 \mbox{ inches}^2`, true}, {`15`, `15\mbox{ cm}^2`, true}, {`(x+1)^{10}`, `(1+x)^{10}`, true},
	{`x^{10}`, `x^{10}`, true}, {`\frac{1}{2\sqrt{3}}`, `\frac{\sqrt{3}}{2}`, false}, {`1+\frac{\sqrt{5}}{2}`, `\frac{1+\sqrt{5}}{2}`, false},
	{`\begin{pmatrix} 1 \\ 2.0 \end{pmatrix}`, `\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, true}, {`(\sqrt{2}, 1)`, `(1, \sqrt{2})`, false},
	{`(\sqrt{2}, 1)`, `(\sqrt2,1)`, true}, {`\frac{6}{4}`, `1.5`, true}, {`0.7071067811865476`, `\frac{\sqrt{2}}{2}`, false},
	{`1.5\sqrt{2}`, `\frac{3\sqrt{2}}{2}`, true}, {`0.5\pi`, `\frac{\pi}{2}`, true}, {`\frac{\pi}{2}x`, `\frac{x\pi}{2}`, true},
	{`x \in [-2,7]`, `[-2,7]`, true}, {`\text{Monday}`, `\text{Sunday}`, false}, {`5 \text{ cm}`, `5 \text{ m}`, true},
	{`\frac{3}{4}x`, `\frac{3x}{4}`, true}, {`\frac{x+1}{2}`, `x+\frac{1}{2}`, false}, {`2x+1`, `1+2x`, true},
	{`\sqrt{8}`, `2\sqrt{2}`, true}, {`\sqrt{12}`, `3\sqrt{2}`, false}, {`(1,2)\cup(3,4)`, `(1,2) \cup (3,4)`, true},
	{`(3,4)\cup(1,2)`, `(1,2) \cup (3,4)`, true}, {`\infty`, `\infty`, true}, {`-\infty`, `\infty`, false},
}
