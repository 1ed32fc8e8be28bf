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
		if !Grade(c[0], c[1]) {
			t.Errorf("Grade(%q, %q) = false, want true (normal forms %q, %q)",
				c[0], c[1], prmNormalize(c[0]), prmNormalize(c[1]))
		}
	}
}

func TestGradeNotEquivalent(t *testing.T) {
	if len(nonEquivalentPairs) < 40 {
		t.Fatalf("only %d non-equivalent pairs", len(nonEquivalentPairs))
	}
	for _, c := range nonEquivalentPairs {
		if Grade(c[0], c[1]) {
			t.Errorf("Grade(%q, %q) = true, want false (normal forms %q, %q)",
				c[0], c[1], prmNormalize(c[0]), prmNormalize(c[1]))
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
		if got := prmNormalize(in); got != want {
			t.Errorf("prmNormalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGradeSelfAndEdgeInputs(t *testing.T) {
	for _, s := range []string{"", " ", `\`, `\frac`, `\sqrt`, `{`, `}`, `\begin{pmatrix}`, `((((`, `1e999999`,
		`2^{99999999}`, `10^{10^{10}}`, `\frac{1}{0}`, `0^{-1}`, `\sqrt{-1}`, `x^x^x^x`} {
		if !Grade(s, s) {
			t.Errorf("Grade(%q, itself) = false", s)
		}
		Grade(s, "5")
		Grade("5", s)
	}
	if Grade(`2^{99999999}`, `2^{99999998}`) {
		t.Error("huge powers graded equal")
	}
}
