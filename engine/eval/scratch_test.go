package eval

import "testing"

func TestScratch(t *testing.T) {
	for _, c := range [][2]string{
		{`\dfrac{14}{3}`, `\frac{14}{3}`}, {`0.5`, `\frac12`}, {`\left( 3, \frac{\pi}{2} \right)`, `(3,\frac{\pi}{2})`},
		{`\frac{\sqrt{2}}{2}`, `\frac{1}{\sqrt2}`}, {`10\%`, `10`}, {`1,000`, `1000`}, {`x=3`, `3`},
		{`\frac{2}{4}`, `\frac12`}, {`3.0`, `3`}, {`\frac{1+\sqrt5}{2}`, `\frac{1}{2}+\frac{\sqrt{5}}{2}`},
		{`7\frac{3}{4}`, `\frac{31}{4}`}, {`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, `\begin{pmatrix} 1 \\ 2.0 \end{pmatrix}`},
		{`2\sqrt{3}`, `\sqrt{12}`}, {`\sqrt[3]{8}`, `2`}, {`x^2+2x+1`, `(x+1)^2`}, {`5 \text{ cm}`, `5`},
	} {
		t.Logf("%q vs %q: %v  [%q %q]", c[0], c[1], Grade(c[0], c[1]), prmNormalize(c[0]), prmNormalize(c[1]))
	}
}
