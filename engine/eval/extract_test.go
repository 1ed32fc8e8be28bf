package eval

import "testing"

func TestLastBoxed(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{`so $\boxed{5}$.`, `5`, true},
		{`\boxed{1} then \boxed{\frac{1}{2}}`, `\frac{1}{2}`, true},
		{`\fbox{7}`, `7`, true},
		{`\boxed{2} and \fbox{3}`, `3`, true},
		{`\fbox{2} and \boxed{3}`, `3`, true},
		{`answer is $\boxed 2$.`, `2`, true},
		{`$x^2 + y^2 = \boxed 9$.`, `9`, true},
		{`\boxed{\left( 3, \frac{\pi}{2} \right)}`, `\left( 3, \frac{\pi}{2} \right)`, true},
		{`\boxed{a{b}c}`, `a{b}c`, true},
		{`\boxed{5} and \boxed{unclosed`, `5`, true},
		{`\boxed{unclosed`, ``, false},
		{`no box`, ``, false},
		{`\boxedfoo`, ``, false},
		{`\boxed{}`, ``, true},
	} {
		got, ok := LastBoxed(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("LastBoxed(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestGSM8KAnswer(t *testing.T) {
	for in, want := range map[string]string{
		"She makes $18.\n#### 18":   "18",
		"#### 1,234":                "1234",
		"#### -5":                   "-5",
		"#### $3.50":                "3.50",
		"so 3 + 4 = 7 apples.":      "7",
		"costs 1,200 dollars total": "1200",
	} {
		if got, ok := GSM8KAnswer(in); !ok || got != want {
			t.Errorf("GSM8KAnswer(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := GSM8KAnswer("no numbers here"); ok {
		t.Error("want no answer")
	}
}

func TestExtractAnswer(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{`Thus $\boxed{\frac{1}{2}}$.`, `\frac{1}{2}`, true},
		{"step 1\n#### 42\n", `42`, true},
		{"The answer is 12.", `12`, true},
		{"So the final answer is $\\frac{3}{4}$. I hope it is correct.", `\frac{3}{4}`, true},
		{"Final Answer: The final answer is \\(x = 2\\).", `x = 2`, true},
		{"the answer is: (1,2)\nmore text", `(1,2)`, true},
		{"The answer is 3. Actually \\boxed{4}", `4`, true},
		{"I computed 17 and 18 but am unsure", ``, false},
		{"", ``, false},
	} {
		got, ok := ExtractAnswer(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ExtractAnswer(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
