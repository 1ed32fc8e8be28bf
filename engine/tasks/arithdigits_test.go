package tasks

import (
	"strconv"
	"strings"
	"testing"
)

func TestArithDigitsSolution(t *testing.T) {
	for _, tc := range []struct{ expr, sol string }{
		{"37*4+29-56", "37*4\n3*4,2,8\n*4,1,48\n*4,0,148\n=148+29-56\n" +
			"148+29\n14+2,1,7\n1+,0,77\n=177-56\n" +
			"177-56\n17-5,0,1\n1-,0,21\n=121\nAnswer: 121\n"},
		{"3-56+2", "-(56-3)\n5-,0,3\n=-53+2\n-(53-2)\n5-,0,1\n=-51\nAnswer: -51\n"},
		{"12*34", "12*34\n12*4\n1*4,0,8\n*4,0,48\n12*3\n1*3,0,6\n*3,0,36\n48+360\n4+36,0,8\n+3,1,08\n+,0,408\n=408\nAnswer: 408\n"},
		{"4*37", "37*4\n3*4,2,8\n*4,1,48\n*4,0,148\n=148\nAnswer: 148\n"}, // the longer factor first
		{"0-5-5", "-(5-0)\n-,0,5\n=-5-5\n-(5+5)\n+,1,0\n+,0,10\n=-10\nAnswer: -10\n"},
		{"0-5+5", "-(5-0)\n-,0,5\n=-5+5\n5-5\n-,0,0\n=0\nAnswer: 0\n"},
	} {
		p := ArithProblem{Expr: tc.expr, Format: ArithDigits}
		if got := p.Solution(); got != tc.sol {
			t.Errorf("%s: Solution =\n%s\nwant\n%s", tc.expr, got, tc.sol)
		}
	}
	for _, f := range []string{"", ArithRewrite} {
		if got := (ArithProblem{Expr: "37*4+29-56", Format: f}).Solution(); got != "=148+29-56\n=177-56\n=121\nAnswer: 121\n" {
			t.Errorf("format %q: %q", f, got)
		}
	}
	if got := (ArithProblem{Expr: "1+2", Format: "columns"}).Solution(); got != "" || CheckArithFormat("columns") == nil {
		t.Errorf("an unknown format gave %q", got)
	}
}

// Every worked step of a few thousand generated problems, and of file-shaped ones with results
// past 1000 and below 0, is right: checkDigitSolution reads the text back, and the rewrite
// lines alone pass the rewrite format's check.
func TestArithDigitsSteps(t *testing.T) {
	ps := GenerateArith(3000, 7)
	for _, e := range []string{"0-99*99-99-99", "99*99+99+99", "999*999+1", "2*3*4", "100-99", "0*5+0",
		"5*0", "7*999", "999-998-1", "1-100", "95+5-100", "9+991", "0-0"} {
		ps = append(ps, ArithProblem{Expr: e})
	}
	negative, big, sum, sumRewrite := 0, 0, 0, 0
	for _, p := range ps {
		sumRewrite += len(p.Prompt() + p.Solution())
		p.Format = ArithDigits
		sol := p.Solution()
		if sol != p.Solution() {
			t.Fatalf("%s: two texts", p.Expr)
		}
		negative += strings.Count(sol, "-(")
		if v, _ := p.Value(); v >= 1000 || v <= -1000 {
			big++
		}
		checkDigitSolution(t, p, sol)
		if ok, _ := p.Verify(sol); !ok {
			t.Fatalf("%s: its solution does not verify", p.Expr)
		}
		text := p.Prompt() + sol
		if i := strings.IndexFunc(text, func(r rune) bool { return !strings.ContainsRune(Alphabet, r) }); i >= 0 {
			t.Fatalf("character %q outside the alphabet:\n%s", text[i], text)
		}
		if !strings.Contains(p.Expr, "999") && len(text) > MaxChars {
			t.Fatalf("%d characters:\n%s", len(text), text)
		}
		sum += len(text)
	}
	if negative < 500 || big < 100 {
		t.Errorf("only %d negated operations, %d values of 4 digits", negative, big)
	}
	t.Logf("prompt+solution mean %d characters (rewrite %d) over %d problems", sum/len(ps), sumRewrite/len(ps), len(ps))
}

// checkDigitSolution reads a digits-format solution back: each block of worked lines before a
// rewrite line computes that step's operation, every column line keeps its computation's value,
// and the rewrite lines alone are a right rewrite-format solution.
func checkDigitSolution(t *testing.T, p ArithProblem, sol string) {
	t.Helper()
	nums, ops, err := arithTerms(p.Expr)
	if err != nil {
		t.Fatal(err)
	}
	steps := arithSteps(nums, ops)
	var rewrites, block []string
	for _, line := range strings.Split(strings.TrimSuffix(sol, "\n"), "\n") {
		if !strings.HasPrefix(line, "=") && !strings.HasPrefix(line, answerTag) {
			block = append(block, line)
			continue
		}
		if strings.HasPrefix(line, "=") {
			if len(rewrites) >= len(steps) {
				t.Fatalf("%s: more rewrites than operations:\n%s", p.Expr, sol)
			}
			st := steps[len(rewrites)]
			want := map[byte]int64{'+': st.X + st.Y, '-': st.X - st.Y, '*': st.X * st.Y}[st.Op]
			if got := checkBlock(t, p.Expr, st.Op, block); got != want {
				t.Fatalf("%s: %d%c%d worked out as %d:\n%s", p.Expr, st.X, st.Op, st.Y, got, strings.Join(block, "\n"))
			}
			block = nil
		}
		rewrites = append(rewrites, line)
	}
	checkArithTrace(t, p, strings.Join(rewrites, "\n")+"\n")
}

// digitComp is one computation of a worked block: its line "a+b", "a-b", "-(a+b)", "-(a-b)" or
// "a*b" and the value its column lines end with (for a product of several digits, a*b itself).
type digitComp struct {
	a, b   int64
	op     byte
	neg    bool
	result int64
}

// checkBlock checks one operation's lines and returns their result: + and - are one computation;
// a product "x*y" with y of one digit too, else its computations are x*d for each digit d of y
// (least significant first) and, after the first, the sum of the partial products so far and
// the new one shifted.
func checkBlock(t *testing.T, expr string, op byte, lines []string) int64 {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: "+format+"\n%s", append([]any{expr}, append(args, strings.Join(lines, "\n"))...)...)
	}
	var comps []digitComp
	for i := 0; i < len(lines); {
		head, neg := lines[i], false
		if inner, ok := strings.CutPrefix(head, "-("); ok {
			head, neg = strings.TrimSuffix(inner, ")"), true
		}
		k := strings.IndexAny(head, "+-*")
		a, err1 := strconv.ParseInt(head[:max(k, 0)], 10, 64)
		b, err2 := strconv.ParseInt(head[k+1:], 10, 64)
		if k < 1 || err1 != nil || err2 != nil || head[k] == '-' && a < b || head[k] == '*' && neg {
			fail("line %q is no computation", lines[i])
		}
		c := digitComp{a: a, b: b, op: head[k], neg: neg}
		i++
		if c.op == '*' && b > 9 {
			c.result = a * b
			comps = append(comps, c)
			continue
		}
		c.result, i = checkColumns(fail, c, lines, i)
		comps = append(comps, c)
	}
	if len(comps) == 0 || (comps[0].op == '*') != (op == '*') {
		fail("the computations do not do %c", op)
	}
	first := comps[0]
	if op != '*' || first.b <= 9 {
		if len(comps) != 1 {
			fail("%d computations", len(comps))
		}
		if first.neg {
			return -first.result
		}
		return first.result
	}
	y, acc := strconv.FormatInt(first.b, 10), int64(0)
	if len(comps) != 2*len(y) {
		fail("%d computations for %d digits", len(comps), len(y))
	}
	for i, scale := 0, int64(1); i < len(y); i, scale = i+1, scale*10 {
		part := comps[1+max(2*i-1, 0)]
		if part.op != '*' || part.a != first.a || part.b != int64(y[len(y)-1-i]-'0') {
			fail("partial product %d", i)
		}
		if i > 0 {
			sum := comps[2*i+1]
			if sum.op != '+' || sum.a != acc || sum.b != part.result*scale {
				fail("the sum after partial product %d", i)
			}
		}
		acc += part.result * scale
	}
	if last := comps[len(comps)-1]; last.result != acc || acc != first.a*first.b {
		fail("the product is %d", last.result)
	}
	return acc
}

// checkColumns checks the column lines of c from lines[i]: each is "x'<op>y',c,r" with x' and y'
// one digit shorter than the line before (until used up; the digit of * stays), r one digit
// longer at its front, and the value ((x' op y' less the borrow, or plus the carry) * 10^len(r)
// + r) that of the computation; the last has no carry and an operand used up. It returns the
// value the last line reads (what is left of the operands, then r) and the next line's index.
func checkColumns(fail func(string, ...any), c digitComp, lines []string, i int) (int64, int) {
	want := map[byte]int64{'+': c.a + c.b, '-': c.a - c.b, '*': c.a * c.b}[c.op]
	x, y := strconv.FormatInt(c.a, 10), strconv.FormatInt(c.b, 10)
	carry, r := int64(0), ""
	for n := 0; i < len(lines) && strings.Contains(lines[i], ","); i, n = i+1, n+1 {
		f := strings.Split(lines[i], ",")
		nx, ny, ok := strings.Cut(f[0], string(c.op))
		nc, err := strconv.ParseInt(f[1], 10, 64)
		shorter := func(s string) string { return s[:max(len(s)-1, 0)] }
		if len(f) != 3 || !ok || err != nil || nc < 0 || nc > 9 || nx != shorter(x) ||
			ny != y && (c.op == '*' || ny != shorter(y)) || len(f[2]) != len(r)+1 || !strings.HasSuffix(f[2], r) {
			fail("column line %q", lines[i])
		}
		x, y, carry, r = nx, ny, nc, f[2]
		xv, _ := strconv.ParseInt("0"+x, 10, 64)
		yv, _ := strconv.ParseInt("0"+y, 10, 64)
		rv, _ := strconv.ParseInt(r, 10, 64)
		scale := int64(1)
		for range r {
			scale *= 10
		}
		v := map[byte]int64{'+': xv + yv + carry, '-': xv - yv - carry, '*': xv*c.b + carry}[c.op]
		if v*scale+rv != want {
			fail("column line %q is worth %d, not %d", lines[i], v*scale+rv, want)
		}
	}
	if c.op == '*' {
		y = ""
	}
	if r == "" || carry != 0 || x != "" && y != "" || c.op == '*' && x != "" {
		fail("the columns of %d%c%d stop at %q,%d,%q", c.a, c.op, c.b, x, carry, r)
	}
	got, _ := strconv.ParseInt(x+y+r, 10, 64)
	return got, i
}
