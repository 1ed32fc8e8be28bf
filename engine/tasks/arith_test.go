package tasks

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestArithSolution(t *testing.T) {
	for _, tc := range []struct {
		expr, sol string
		value     int64
	}{
		{"37*4+29-56", "=148+29-56\n=177-56\n=121\nAnswer: 121\n", 121},
		{"3-56+2", "=-53+2\n=-51\nAnswer: -51\n", -51},
		{"10-20*3", "=10-60\n=-50\nAnswer: -50\n", -50},
		{"5+6*0-1", "=5+0-1\n=5-1\n=4\nAnswer: 4\n", 4},
		{"0-0", "=0\nAnswer: 0\n", 0},
		{"2*3*4", "=6*4\n=24\nAnswer: 24\n", 24},
		{"99*99-0+0-99", "=9801-0+0-99\n=9801+0-99\n=9801-99\n=9702\nAnswer: 9702\n", 9702},
	} {
		p := ArithProblem{Expr: tc.expr}
		if got := p.Solution(); got != tc.sol {
			t.Errorf("%s: Solution = %q, want %q", tc.expr, got, tc.sol)
		}
		if v, err := p.Value(); err != nil || v != tc.value {
			t.Errorf("%s: Value = %d, %v; want %d", tc.expr, v, err, tc.value)
		}
		if got := p.DirectSolution(); got != "Answer: "+strconv.FormatInt(tc.value, 10)+"\n" {
			t.Errorf("%s: DirectSolution = %q", tc.expr, got)
		}
	}
	if got := (ArithProblem{Expr: "37*4+29-56"}).Prompt(); got != "arith 37*4+29-56\n" {
		t.Errorf("Prompt = %q", got)
	}
}

func TestArithMalformed(t *testing.T) {
	for _, expr := range []string{"", "12", "1+", "+1", "1++2", "3/4", "3 + 4", "1+07", "1000+1",
		"1+2+3+4+5+6+7", "-3+4", "1+a", "1+2\n"} {
		p := ArithProblem{Expr: expr}
		if _, err := p.Value(); err == nil {
			t.Errorf("%q: Value gave no error", expr)
		}
		if p.Solution() != "" || p.DirectSolution() != "" {
			t.Errorf("%q: a solution for a malformed expression", expr)
		}
		if ok, _ := p.Verify("Answer: 0"); ok {
			t.Errorf("%q: Verify accepted an answer", expr)
		}
	}
}

func TestVerifyArith(t *testing.T) {
	p := ArithProblem{Expr: "3-56+2"} // -51
	for _, tc := range []struct {
		completion string
		want       bool
		answer     string
	}{
		{"=-53+2\n=-51\nAnswer: -51\n", true, "-51"},
		{"Answer:  -51  ", true, "-51"},
		{"Answer: -051", true, "-051"},
		{"Answer: 51", false, "51"},
		{"Answer: -52", false, "-52"},
		{"Answer: - 51", false, "- 51"},
		{"Answer: --51", false, "--51"},
		{"Answer: +-51", false, "+-51"},
		{"Answer: -51.0", false, "-51.0"},
		{"Answer: -51 apples", false, "-51 apples"},
		{"Answer: 3-56+2", false, "3-56+2"},
		{"Answer: -", false, "-"},
		{"Answer:", false, ""},
		{"Answer: -99999999999999999999", false, "-99999999999999999999"},
		{"-51", false, ""},
		{"Answer: 7\nAnswer: -51", false, "7"},
	} {
		got, answer := p.Verify(tc.completion)
		if got != tc.want || answer != tc.answer {
			t.Errorf("Verify(%q) = %v, %q; want %v, %q", tc.completion, got, answer, tc.want, tc.answer)
		}
	}
}

// checkArithTrace re-checks a worked solution with the independent evaluator: each line is
// "=E" with E one operation shorter than the line before and of the same value.
func checkArithTrace(t *testing.T, p ArithProblem, sol string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(sol, "\n"), "\n")
	want, _, ok := refEval(p.Expr)
	if !ok || !want.IsInt() {
		t.Fatalf("%s: reference evaluation failed", p.Expr)
	}
	opsOf := func(e string) int { // a leading '-' is a sign, not an operation
		e = strings.TrimPrefix(e, "-")
		return strings.Count(e, "+") + strings.Count(e, "-") + strings.Count(e, "*")
	}
	ops := opsOf(p.Expr)
	for i, line := range lines[:len(lines)-1] {
		e, ok := strings.CutPrefix(line, "=")
		if !ok {
			t.Fatalf("%s: line %q", p.Expr, line)
		}
		if n := opsOf(e); n != ops-1 {
			t.Fatalf("%s: line %d %q does %d operations, want %d", p.Expr, i+1, line, n, ops-1)
		}
		ops--
		if strings.HasPrefix(e, "-") { // refEval has no unary minus; "0-" keeps the value
			e = "0" + e
		}
		if v, _, ok := refEval(e); !ok || v.Cmp(want) != 0 {
			t.Fatalf("%s: line %q has another value", p.Expr, line)
		}
	}
	if ops != 0 {
		t.Fatalf("%s: the rewrites stop with %d operations left", p.Expr, ops)
	}
	if last := lines[len(lines)-1]; last != "Answer: "+want.Num().String() {
		t.Fatalf("%s: answer line %q", p.Expr, last)
	}
}

func TestGenerateArith(t *testing.T) {
	ps := GenerateArith(2000, 1)
	if len(ps) != 2000 {
		t.Fatalf("%d problems", len(ps))
	}
	if !slices.Equal(ps[:50], GenerateArith(50, 1)) {
		t.Error("seed 1 gave two different sets")
	}
	other := GenerateArith(50, 2)
	same := 0
	for i := range other {
		if other[i] == ps[i] {
			same++
		}
	}
	if same > 2 {
		t.Errorf("seeds 1 and 2 share %d of 50 problems", same)
	}
	if len(GenerateArith(0, 1)) != 0 || len(GenerateArith(-3, 1)) != 0 {
		t.Error("no problems asked, some given")
	}
	sum, longest, stars := 0, 0, 0
	opsSeen := map[int]bool{}
	for _, p := range ps {
		nums, ops, err := arithTerms(p.Expr)
		if err != nil {
			t.Fatalf("%q: %v", p.Expr, err)
		}
		opsSeen[len(ops)] = true
		if n := strings.Count(p.Expr, "*"); n > 1 {
			t.Fatalf("%q has %d multiplications", p.Expr, n)
		} else {
			stars += n
		}
		if len(ops) < 2 || len(ops) > 4 || slices.Max(nums) > 99 {
			t.Fatalf("%q out of shape", p.Expr)
		}
		sol := p.Solution()
		checkArithTrace(t, p, sol)
		if ok, _ := p.Verify(sol); !ok {
			t.Fatalf("%q: its solution does not verify", p.Expr)
		}
		text := p.Prompt() + sol
		if len(text) > MaxChars {
			t.Fatalf("%d characters:\n%s", len(text), text)
		}
		if i := strings.IndexFunc(text, func(r rune) bool { return !strings.ContainsRune(Alphabet, r) }); i >= 0 {
			t.Fatalf("character %q outside the alphabet:\n%s", text[i], text)
		}
		sum += len(text)
		longest = max(longest, len(text))
	}
	if len(opsSeen) != 3 || stars < 800 || stars > 1200 {
		t.Errorf("operation counts %v, %d multiplications in 2000", opsSeen, stars)
	}
	t.Logf("arith: prompt+solution mean %.1f max %d characters over %d problems", float64(sum)/float64(len(ps)), longest, len(ps))
}
