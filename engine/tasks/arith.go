package tasks

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ArithProblem asks for the value of Expr, an integer expression of non-negative numbers with
// + - and * under the usual precedence, e.g. "37*4+29-56".
type ArithProblem struct {
	Expr string
	// Format is the worked solution's form: ArithRewrite (also "") or ArithDigits. Only the
	// solution changes; the prompt and the verifier are the same.
	Format string
}

// Limits on expressions from files (generated ones have 2 to 4 operations over 0..99 with at most
// one *): small enough that every value fits an int64 with room to spare.
const (
	arithMaxOps = 5
	arithMaxNum = 999
)

// GenerateArith draws n problems, the same ones for the same seed: 2 to 4 operations over numbers
// 0..99, each + or -, except that half the problems have one * at a random place.
func GenerateArith(n int, seed uint64) []ArithProblem {
	r := rand.New(rand.NewPCG(seed, 0xa817))
	out := make([]ArithProblem, 0, max(n, 0))
	for len(out) < n {
		ops := 2 + r.IntN(3)
		star := -1
		if r.IntN(2) == 0 {
			star = r.IntN(ops)
		}
		var b strings.Builder
		b.WriteString(itoa(r.IntN(100)))
		for k := range ops {
			switch {
			case k == star:
				b.WriteByte('*')
			case r.IntN(2) == 0:
				b.WriteByte('+')
			default:
				b.WriteByte('-')
			}
			b.WriteString(itoa(r.IntN(100)))
		}
		out = append(out, ArithProblem{Expr: b.String()})
	}
	return out
}

// arithTerms splits an expression into its numbers and operators, checking its form.
func arithTerms(expr string) (nums []int64, ops []byte, err error) {
	if expr == "" {
		return nil, nil, fmt.Errorf("empty expression")
	}
	i := 0
	for {
		j := i
		for j < len(expr) && expr[j] >= '0' && expr[j] <= '9' {
			j++
		}
		if j == i {
			if i < len(expr) {
				return nil, nil, fmt.Errorf("expression %q: bad character %q at %d", expr, expr[i], i)
			}
			return nil, nil, fmt.Errorf("expression %q ends with an operator", expr)
		}
		if j-i > 1 && expr[i] == '0' {
			return nil, nil, fmt.Errorf("expression %q: number %s has a leading zero", expr, expr[i:j])
		}
		x, _ := strconv.ParseInt(expr[i:j], 10, 64)
		if j-i > 3 || x > arithMaxNum {
			return nil, nil, fmt.Errorf("expression %q: number %s out of range 0..%d", expr, expr[i:j], arithMaxNum)
		}
		nums = append(nums, x)
		if j == len(expr) {
			break
		}
		if c := expr[j]; c != '+' && c != '-' && c != '*' {
			return nil, nil, fmt.Errorf("expression %q: bad character %q at %d", expr, c, j)
		}
		ops = append(ops, expr[j])
		i = j + 1
	}
	if len(ops) < 1 || len(ops) > arithMaxOps {
		return nil, nil, fmt.Errorf("expression %q: %d operations, want 1 to %d", expr, len(ops), arithMaxOps)
	}
	return nums, ops, nil
}

// arithStep is one operation of a worked solution: X Op Y, and the expression it leaves.
type arithStep struct {
	X, Y int64
	Op   byte
	Expr string
}

// arithSteps rewrites the expression one operation at a time, every * first (leftmost first),
// then + and - left to right; the last step's Expr is the value. With numbers up to 999 and 5
// operations no step can overflow an int64 (999^6 < 2^63).
func arithSteps(nums []int64, ops []byte) []arithStep {
	nums, ops = append([]int64(nil), nums...), append([]byte(nil), ops...)
	var out []arithStep
	for len(ops) > 0 {
		k := strings.IndexByte(string(ops), '*')
		if k < 0 {
			k = 0
		}
		st := arithStep{X: nums[k], Y: nums[k+1], Op: ops[k]}
		var v int64
		switch st.Op {
		case '*':
			v = st.X * st.Y
		case '+':
			v = st.X + st.Y
		default:
			v = st.X - st.Y
		}
		nums = append(append(nums[:k:k], v), nums[k+2:]...)
		ops = append(ops[:k:k], ops[k+1:]...)
		var b strings.Builder
		for i, x := range nums {
			if i > 0 {
				b.WriteByte(ops[i-1])
			}
			b.WriteString(strconv.FormatInt(x, 10))
		}
		st.Expr = b.String()
		out = append(out, st)
	}
	return out
}

// Value is the exact value of p.Expr, or an error naming what is wrong with it.
func (p ArithProblem) Value() (int64, error) {
	nums, ops, err := arithTerms(p.Expr)
	if err != nil {
		return 0, err
	}
	steps := arithSteps(nums, ops)
	return strconv.ParseInt(steps[len(steps)-1].Expr, 10, 64)
}

// Prompt is the text the model continues, e.g. "arith 37*4+29-56\n".
func (p ArithProblem) Prompt() string { return "arith " + p.Expr + "\n" }

// Solution is the worked solution: one rewrite per line, the multiplication first, then left to
// right, e.g. "=148+29-56\n=177-56\n=121\nAnswer: 121\n"; in ArithDigits each rewrite follows
// its operation worked digit by digit (digitSteps). It is "" for a malformed Expr or an unknown
// Format.
func (p ArithProblem) Solution() string {
	nums, ops, err := arithTerms(p.Expr)
	if err != nil || CheckArithFormat(p.Format) != nil {
		return ""
	}
	steps := arithSteps(nums, ops)
	var b strings.Builder
	for _, s := range steps {
		if p.Format == ArithDigits {
			digitSteps(&b, s.X, s.Op, s.Y)
		}
		b.WriteString("=" + s.Expr + "\n")
	}
	b.WriteString(answerTag + " " + steps[len(steps)-1].Expr + "\n")
	return b.String()
}

// DirectSolution is only the answer line, to train without the worked steps.
func (p ArithProblem) DirectSolution() string {
	v, err := p.Value()
	if err != nil {
		return ""
	}
	return answerTag + " " + strconv.FormatInt(v, 10) + "\n"
}

// Verify reads the text after the first "Answer:" of completion (to the end of that line, spaces
// around it ignored): correct iff it is an integer, an optional '-' and digits only, equal to the
// value of p.Expr. answer is the text read.
func (p ArithProblem) Verify(completion string) (correct bool, answer string) {
	answer, found := answerText(completion)
	if !found {
		return false, answer
	}
	digits := strings.TrimPrefix(answer, "-")
	if digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" {
		return false, answer
	}
	got, err := strconv.ParseInt(answer, 10, 64)
	want, err2 := p.Value()
	return err == nil && err2 == nil && got == want, answer
}

// Fields are the JSON fields of p: "expr".
func (p ArithProblem) Fields() map[string]any { return map[string]any{"expr": p.Expr} }
