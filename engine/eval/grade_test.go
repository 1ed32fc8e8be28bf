package eval

import "testing"

// Each pair is {given, gold}.
var equivalentPairs = [][2]string{
	// \dfrac, \tfrac and brace-less fractions
	{`\dfrac{14}{3}`, `\frac{14}{3}`},
	{`\tfrac{1}{2}`, `\frac12`},
	{`\frac12`, `\frac{1}{2}`},
	{`\frac1{72}`, `\frac{1}{72}`},
	{`0.5`, `\frac12`},
	{`.5`, `\frac{1}{2}`},
	{`1/2`, `\frac{1}{2}`},
	{`3/4`, `\frac34`},
	{`-\frac{1}{2}`, `\frac{-1}{2}`},
	{`\frac{-3}{4}`, `-\frac{3}{4}`},
	{`0.25`, `\frac{1}{4}`},
	{`2.5`, `\frac{5}{2}`},
	// spacing, \left/\right, \!, newlines
	{`\left( 3, \frac{\pi}{2} \right)`, `(3,\frac{\pi}{2})`},
	{`( 1 , 2 )`, `(1,2)`},
	{"1\n", `1`},
	{`10,\!000`, `10000`},
	{`10{,}000`, `10000`},
	// units, \text{}, degrees, percent, dollars
	{`5 \text{ cm}`, `5`},
	{`\text{5}`, `5`},
	{`12 \text{ inches}`, `12`},
	{`30^\circ`, `30`},
	{`30^{\circ}`, `30`},
	{`30 degrees`, `30`},
	{`45 ^\circ`, `45`},
	{`10\%`, `10`},
	{`10%`, `10`},
	{`\$18.90`, `18.90`},
	{`$42`, `42`},
	{`\text{(C)}`, `\text{(C)}`},
	{`4 \text{ hours}`, `4`},
	{`3 feet`, `3`},
	{`864`, `864 \mbox{ inches}^2`},
	{`15`, `15\mbox{ cm}^2`},
	{`\cot x`, `\cot x`},
	{`\text{Monday}`, `\text{Monday}`},
	{`\textbf{(B)}`, `(B)`},
	{`B`, `\text{B}`},
	{`(b)`, `\text{(B)}`},
	// thousands commas and large numbers
	{`1,000`, `1000`},
	{`1,234,567`, `1234567`},
	{`3.0`, `3`},
	{`-7.000`, `-7`},
	// x = 3 and equations
	{`x=3`, `3`},
	{`k = 5`, `5`},
	{`y = 2x + 3`, `2x+3`},
	// tuples and intervals
	{`(1, 2)`, `(1,2)`},
	{`(0.5, 3)`, `\left(\frac{1}{2}, 3\right)`},
	{`[2, 5)`, `[2,5)`},
	{`(-\infty, 3]`, `(-\infty,3]`},
	{`(3, \frac{\pi}{2})`, `\left( 3, \frac{\pi}{2} \right)`},
	{`(\sqrt{2}, 1)`, `(\sqrt2, 1)`},
	{`(2, 0.5)`, `(2,\frac12)`},
	{`[-1,\frac{1}{3}]`, `[-1, 1/3]`},
	// mixed numbers
	{`7\frac{3}{4}`, `\frac{31}{4}`},
	{`7 3/4`, `\frac{31}{4}`},
	{`2\frac{1}{2}`, `2.5`},
	// pi and sqrt, by value
	{`\frac{\pi}{2}`, `\frac{\pi}{2}`},
	{`\pi/2`, `\frac{\pi}{2}`},
	{`0.5\pi`, `\frac{\pi}{2}`},
	{`2\pi`, `2 \pi`},
	{`\frac{\sqrt{2}}{2}`, `\frac{1}{\sqrt{2}}`},
	{`\sqrt{12}`, `2\sqrt{3}`},
	{`2\sqrt3`, `2\sqrt{3}`},
	{`\sqrt{\frac{1}{2}}`, `\frac{\sqrt{2}}{2}`},
	{`\frac{1+\sqrt5}{2}`, `\frac{1}{2}+\frac{\sqrt{5}}{2}`},
	{`\sqrt[3]{2}`, `2^{1/3}`},
	{`3\sqrt{2}+1`, `1+3\sqrt2`},
	{`4\pi`, `\pi \cdot 4`},
	{`6\times\pi`, `6\pi`},
	{`\frac{\pi^2}{6}`, `\pi^2/6`},
	// algebraic expressions, by value at sample points
	{`x^2+2x+1`, `(x+1)^2`},
	{`(x-1)(x+1)`, `x^2-1`},
	{`2(a+b)`, `2a+2b`},
	{`\frac{x}{2}`, `0.5x`},
	{`a^2b`, `b a^2`},
	// matrices and vectors
	{`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, `\begin{pmatrix} 1 \\ 2.0 \end{pmatrix}`},
	{`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, `\begin{pmatrix}1&2\\3&4\end{pmatrix}`},
	{`\begin{pmatrix} \frac{1}{2} \\ 0 \end{pmatrix}`, `\begin{pmatrix} 0.5 \\ 0 \end{pmatrix}`},
	// words
	{`\text{even}`, `\text{even}`},
	{`Even`, `\text{even}`},
}

var nonEquivalentPairs = [][2]string{
	// unreduced fractions are wrong
	{`\frac{2}{4}`, `\frac{1}{2}`},
	{`2/4`, `\frac12`},
	{`\frac{6}{8}`, `\frac{3}{4}`},
	{`\frac{10}{2}`, `5`},
	// integer gold wants an integer
	{`\sqrt{4}`, `2`},
	{`4/2`, `2`},
	{`2^{3}`, `8`},
	{`3.5`, `3`},
	{`2.9999`, `3`},
	{`2 million`, `2000000`}, // "2*10^6" is not an integer string
	// wrong values
	{`\frac{1}{3}`, `\frac{1}{2}`},
	{`0.33`, `\frac{1}{3}`},
	{`0.333333`, `\frac{1}{3}`},
	{`3.14`, `\pi`},
	{`1.414`, `\sqrt{2}`},
	{`\sqrt{3}`, `\sqrt{2}`},
	{`2\sqrt{3}`, `3\sqrt{2}`},
	{`\frac{\pi}{3}`, `\frac{\pi}{2}`},
	{`-5`, `5`},
	{`6`, `5`},
	{`1001`, `1000`},
	{`1,001`, `1000`},
	{`5 million`, `5000`},
	// tuples and intervals
	{`(1, 2)`, `(2, 1)`},
	{`(1, 2)`, `[1, 2]`},
	{`(1, 2]`, `(1, 2)`},
	{`[2, 5)`, `[2, 5]`},
	{`(1, 2, 3)`, `(1, 2)`},
	{`(1, 2)`, `(1, 2, 3)`},
	{`1, 2`, `(1,2)`},
	{`(-\infty, 3)`, `(-\infty, 3]`},
	{`(0.5, 3)`, `(\frac{1}{3}, 3)`},
	// letters and multiple choice
	{`\text{(A)}`, `\text{(B)}`},
	{`A`, `B`},
	{`\text{odd}`, `\text{even}`},
	{`\text{Tuesday}`, `\text{Monday}`},
	{`\tan x`, `\cot x`},
	{`\sin x`, `\cos x`},
	// expressions
	{`x^2+1`, `(x+1)^2`},
	{`2a+b`, `2a+2b`},
	{`x`, `y`},
	{`\frac{x}{3}`, `\frac{x}{2}`},
	// matrices
	{`\begin{pmatrix} 1 \\ 3 \end{pmatrix}`, `\begin{pmatrix} 1 \\ 2 \end{pmatrix}`},
	{`\begin{pmatrix} 2 & 1 \\ 3 & 4 \end{pmatrix}`, `\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`},
	// empty and junk
	{``, `5`},
	{`\boxed{}`, `5`},
	{`}{`, `5`},
	{`5x`, `5`},
}

func TestGradeEquivalent(t *testing.T) {
	if len(equivalentPairs) < 60 {
		t.Fatalf("only %d equivalent pairs", len(equivalentPairs))
	}
	for _, c := range equivalentPairs {
		if !Grade(c[0], c[1], Strict) {
			t.Errorf("Grade(%q, %q, Strict) = false, want true (normal forms %q, %q)",
				c[0], c[1], prmNormalize(c[0], Strict), prmNormalize(c[1], Strict))
		}
	}
}

func TestGradeNotEquivalent(t *testing.T) {
	if len(nonEquivalentPairs) < 40 {
		t.Fatalf("only %d non-equivalent pairs", len(nonEquivalentPairs))
	}
	for _, mode := range []Mode{PRM800K, Strict} {
		for _, c := range nonEquivalentPairs {
			if Grade(c[0], c[1], mode) {
				t.Errorf("Grade(%q, %q, %v) = true, want false (normal forms %q, %q)",
					c[0], c[1], mode, prmNormalize(c[0], mode), prmNormalize(c[1], mode))
			}
		}
	}
}

// The rules for comparison by value hold in both modes: no numeric
// approximation of an irrational is accepted (sympy says no), and sample
// points outside a square root's real domain do not reject equal answers.
func TestGradeNumericRules(t *testing.T) {
	for _, mode := range []Mode{PRM800K, Strict} {
		for _, c := range []struct {
			given, gold string
			want        bool
		}{
			{`1.41421356237`, `\sqrt{2}`, false}, {`3.14159265359`, `\pi`, false},
			{`1.4142135623730951`, `\sqrt{2}`, false}, {`3.141592653589793`, `\pi`, false},
			{`0.7071067811865476`, `\frac{\sqrt{2}}{2}`, false}, {`1.41421356237x`, `\sqrt{2}x`, false},
			{`\sqrt{x-5}+1`, `1+\sqrt{x-5}`, true}, {`1+\sqrt{x-5}`, `\sqrt{x-5}+1`, true},
			{`\sqrt{x-10}+2x`, `2x+\sqrt{x-10}`, true}, {`\sqrt{1-x}\sqrt{1-x}`, `1-x`, true},
			{`\sqrt{x^2}`, `x`, false}, {`\sqrt{12}`, `2\sqrt{3}`, true}, {`0.5\pi`, `\frac{\pi}{2}`, true},
			{`1.5\sqrt{2}`, `\frac{3\sqrt{2}}{2}`, true}, {`(x^2-1)/(x+1)`, `x-1`, true},
			{`(1)/(2004!)`, `\frac{1}{2004!}`, true}, {`\frac{6!}{5!}+\frac{4!}{5!}`, `6\frac15`, true},
			{`2^{3!}`, `64`, false}, {`5!`, `120`, false}, // an integer gold wants an integer string
		} {
			if got := Grade(c.given, c.gold, mode); got != c.want {
				t.Errorf("Grade(%q, %q, %v) = %v, want %v", c.given, c.gold, mode, got, c.want)
			}
		}
	}
}

// Where the modes part: PRM800K's verdicts are the real grader's (checked
// with testdata/label_pairs.py), Strict's the mathematical ones.
var quirkPairs = []struct {
	given, gold string
	prm, strict bool
}{
	{`\frac{1}{2\sqrt{3}}`, `\frac{\sqrt{3}}{2}`, true, false},    // pylatexenc: 1/2√(3)
	{`1+\frac{\sqrt{5}}{2}`, `\frac{1+\sqrt{5}}{2}`, true, false}, // pylatexenc: 1+√(5)/2
	{`\frac{1+\sqrt{5}}{2}`, `\frac{1}{2}+\frac{\sqrt{5}}{2}`, false, true},
	{`\sqrt{x}`, `\sqrt[3]{x}`, true, false}, // the root's degree is dropped
	{`\sqrt[3]{2}`, `2^{1/3}`, false, true},
	{`\sec x`, `\csc x`, true, false}, // unknown macros print nothing: both are "x"
	{`\tan x`, `\cot x`, false, false},
	{`2/3`, `2^{1/3}`, true, false}, // the exponent's braces go: 2^1/3
	{`864`, `864 \mbox{ inches}^2`, false, true},
	{`2.00000001`, `2`, true, false}, // within 1e-7 of an integer
	{`1e-8`, `0`, true, false},
	{`409`, `40_9`, true, false}, // Python's float reads 40_9 as 409
	{`\begin{pmatrix} 1 \\ 2.0 \end{pmatrix}`, `\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, false, true},
	{`(\sqrt{2}, 1)`, `(\sqrt{2}, 1.0)`, false, true}, // no split when elements hold brackets
	{`(x+1)^{10}`, `(1+x)^{10}`, false, true},         // sympy is kept from "^(" and long exponents
	{`6.72\times 10^{-5}`, `.0000672`, false, true},   // Float arithmetic
	{`0.1+0.2`, `0.3`, false, true},
	{`\ln 3`, `\ln(3)`, false, true},        // sympy splits ln3 into l*n*3
	{`x\sqrt{2}`, `\sqrt{2}x`, false, true}, // and xsqrt into x*s*q*r*t
	{`\frac{\sqrt{2}}{2}`, `\frac{1}{\sqrt{2}}`, true, true},
	{`\frac{6}{8}`, `\frac{3}{4}`, false, false},
	{`\text{(B)}`, `B`, true, true},
	{`\text{Mon}`, `\text{Monday}`, true, false}, // unit words go even inside words ("day")
	{`\frac{x^2-1}{x+1}`, `x-1`, false, true},    // x^2-1/x+1
	{`x^{2.0}`, `x^2`, false, true},              // a Float power stays apart
	{`0.5^x`, `2^{-x}`, false, true},
	{`0.1^{2.0}+x`, `0.1^2+x`, true, true}, // a numeric one is evaluated
}

func TestGradeQuirks(t *testing.T) {
	for _, c := range quirkPairs {
		for mode, want := range map[Mode]bool{PRM800K: c.prm, Strict: c.strict} {
			if got := Grade(c.given, c.gold, mode); got != want {
				t.Errorf("Grade(%q, %q, %v) = %v, want %v (normal forms %q, %q)", c.given, c.gold, mode, got, want,
					prmNormalize(c.given, mode), prmNormalize(c.gold, mode))
			}
		}
	}
}

// Hendrycks' normalisation, step by step.
func TestMathdNormalize(t *testing.T) {
	for in, want := range map[string]string{
		`\dfrac{1}{2}`:          `\frac{1}{2}`,
		`\frac12`:               `\frac{1}{2}`,
		`\frac1{72}`:            `\frac{1}{72}`,
		`\sqrt3`:                `\sqrt{3}`,
		`x = 5`:                 `5`,
		`abc = 5`:               `abc=5`,
		`.5`:                    `\frac{1}{2}`,
		`3/4`:                   `\frac{3}{4}`,
		`03/4`:                  `03/4`,
		`\text{ hello}`:         `hello`,
		`5\text{ cm}`:           `5`,
		`\left( 1,2\right)`:     `(1,2)`,
		`90^\circ`:              `90`,
		`\$5`:                   `5`,
		`50\%`:                  `50`,
		`\frac`:                 `\frac`, // Python raises; the input is kept
		`1 \text{ a} \text{ b}`: `1 \text{ a} \text{ b}`,
	} {
		if got := mathdNormalize(in); got != want {
			t.Errorf("mathdNormalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// PRM800K's _normalize, step by step.
func TestPrmNormalize(t *testing.T) {
	for in, want := range map[string]string{
		`\text{Hello}`:        `hello`,
		`1,234`:               `1234`,
		`(1,234)`:             `(1,234)`, // thousands commas go only when splitting tuples
		`2^{1/3}`:             `2^(1/3)`,
		`x^{10}`:              `x^10`,
		`(1, 234)`:            `(1,234)`,
		`5 or 6`:              `5,6`,
		`3 million`:           `3*10^6`,
		`7 3/4`:               `7+3/4`,
		`- 5`:                 `-5`,
		`2.0`:                 `2`,
		`1e3`:                 `1000`,
		`\frac{\sqrt{3}}{2}`:  `sqrt(3)/2`,
		`\frac{1}{2\sqrt{3}}`: `1/(2sqrt(3))`,
		`\pi r^2`:             `pir^2`,
		`A \cup B`:            `aub`,
		`2 \cdot 3`:           `2*3`,
		`5 \text{ meters}`:    `5`,
		`\{1, 2\}`:            `1,2`,
		`\sqrt[3]{x}`:         `(x)^(1/3)`,
	} {
		if got := prmNormalize(in, Strict); got != want {
			t.Errorf("prmNormalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGradeSelfAndEdgeInputs(t *testing.T) {
	for _, s := range []string{"", " ", `\`, `\frac`, `\sqrt`, `{`, `}`, `\begin{pmatrix}`, `((((`, `1e999999`,
		`2^{99999999}`, `10^{10^{10}}`, `\frac{1}{0}`, `0^{-1}`, `\sqrt{-1}`, `x^x^x^x`} {
		if !Grade(s, s, PRM800K) {
			t.Errorf("Grade(%q, itself, PRM800K) = false", s)
		}
		Grade(s, "5", PRM800K)
		Grade("5", s, PRM800K)
	}
	if Grade(`2^{99999999}`, `2^{99999998}`, PRM800K) {
		t.Error("huge powers graded equal")
	}
}
