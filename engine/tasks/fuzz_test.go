package tasks

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// FuzzVerify checks that Verify never panics and agrees with refVerify, the verifier rebuilt on
// the independent shunting-yard evaluator. When fromAnswer is set and the answer parses, the
// problem is made from the answer itself, so correct answers are explored too.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{"Answer: 45-12+7", "Answer: 6/(1-5/7)", "Answer: (1+2", "Answer: 8/(3-3)",
		"x\nAnswer: 2*(3+4)\nAnswer: 1", "Answer: ((((7))))", "Answer: 1 2", "Answer: 007+3", "Answer: ()"} {
		f.Add(s, int16(40), true)
		f.Add(s, int16(14), false)
	}
	f.Fuzz(func(t *testing.T, completion string, target int16, fromAnswer bool) {
		p := Problem{Nums: []int{12, 7, 45}, Target: int(target)}
		if _, after, ok := strings.Cut(completion, "Answer:"); ok && fromAnswer {
			line, _, _ := strings.Cut(after, "\n")
			if v, nums, ok := refEval(strings.Trim(line, " ")); ok && v.IsInt() && v.Num().IsInt64() {
				q := Problem{Target: int(v.Num().Int64())}
				for _, s := range nums {
					x, err := strconv.Atoi(s)
					if err != nil {
						return
					}
					q.Nums = append(q.Nums, x)
				}
				p = q
			}
		}
		got, _ := Verify(p, completion)
		if want := refVerify(p, completion); got != want {
			t.Fatalf("Verify(%v, %q) = %v, reference %v", p, completion, got, want)
		}
	})
}

// FuzzArith checks that the arith verifier never panics, that Value agrees with the independent
// evaluator on well-formed expressions, and that a printed value verifies.
func FuzzArith(f *testing.F) {
	for _, s := range []string{"37*4+29-56", "3-56+2", "1/2", "", "0-0", "99*99*99*99*99*99", "1+07"} {
		f.Add(s, "Answer: 121")
	}
	f.Fuzz(func(t *testing.T, expr, completion string) {
		p := ArithProblem{Expr: expr}
		p.Verify(completion)
		p.Solution()
		v, err := p.Value()
		if err != nil {
			return
		}
		ref, _, ok := refEval(expr)
		if !ok || ref.Cmp(new(big.Rat).SetInt64(v)) != 0 {
			t.Fatalf("%q: Value %d, reference %v", expr, v, ref)
		}
		if ok, _ := p.Verify("Answer: " + strconv.FormatInt(v, 10)); !ok {
			t.Fatalf("%q: its value %d does not verify", expr, v)
		}
		if ok, _ := p.Verify(p.Solution()); !ok {
			t.Fatalf("%q: its solution does not verify", expr)
		}
	})
}

// TestVerifyRandomExpressions builds random expression trees, prints them with random spacing and
// either minimal or full parentheses, and checks Verify against the tree's own value: a third,
// structural evaluator. It also damages each text and checks Verify against refVerify.
func TestVerifyRandomExpressions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range 5000 {
		leaves := 1 + r.IntN(5)
		e := randomTree(r, leaves)
		text := e.print(r, r.IntN(2) == 0)
		var nums []int
		e.leaves(&nums)
		v, ok := e.value()
		p := Problem{Nums: nums, Target: 7}
		want := false
		if ok && v.IsInt() && v.Num().IsInt64() {
			p.Target = int(v.Num().Int64())
			want = true
		}
		if got, _ := Verify(p, "Answer: "+text); got != want {
			t.Fatalf("Verify(%v, %q) = %v, want %v", p, text, got, want)
		}
		if want {
			accepted++
		}
		// Damage: drop, duplicate or replace one byte.
		b := []byte(text)
		i := r.IntN(len(b))
		switch r.IntN(3) {
		case 0:
			b = append(b[:i:i], b[i+1:]...)
		case 1:
			b = append(b[:i+1:i+1], b[i:]...)
		default:
			b[i] = "0123456789+-*/() x"[r.IntN(18)]
		}
		got, _ := Verify(p, "Answer: "+string(b))
		if want := refVerify(p, "Answer: "+string(b)); got != want {
			t.Fatalf("Verify(%v, %q) = %v, reference %v", p, b, got, want)
		}
	}
	if accepted < 2000 {
		t.Errorf("only %d of 5000 random expressions had an integer value", accepted)
	}
}

type tree struct {
	op   byte // 0 for a leaf
	n    int
	l, r *tree
}

func randomTree(r *rand.Rand, leaves int) *tree {
	if leaves == 1 {
		return &tree{n: r.IntN(12)} // small numbers, so 0 and divisions by zero occur
	}
	k := 1 + r.IntN(leaves-1)
	return &tree{op: "+-*/"[r.IntN(4)], l: randomTree(r, k), r: randomTree(r, leaves-k)}
}

func (e *tree) leaves(out *[]int) {
	if e.op == 0 {
		*out = append(*out, e.n)
		return
	}
	e.l.leaves(out)
	e.r.leaves(out)
}

func (e *tree) value() (*big.Rat, bool) {
	if e.op == 0 {
		return big.NewRat(int64(e.n), 1), true
	}
	a, ok1 := e.l.value()
	b, ok2 := e.r.value()
	if !ok1 || !ok2 {
		return nil, false
	}
	switch e.op {
	case '+':
		return new(big.Rat).Add(a, b), true
	case '-':
		return new(big.Rat).Sub(a, b), true
	case '*':
		return new(big.Rat).Mul(a, b), true
	}
	if b.Sign() == 0 {
		return nil, false
	}
	return new(big.Rat).Quo(a, b), true
}

func treePrec(e *tree) int {
	switch e.op {
	case 0:
		return 3
	case '*', '/':
		return 2
	}
	return 1
}

// print writes e with spaces at random; full puts every operation in parentheses, otherwise only
// those precedence needs are written.
func (e *tree) print(r *rand.Rand, full bool) string {
	sp := func() string { return strings.Repeat(" ", r.IntN(3)/2) }
	if e.op == 0 {
		return sp() + strconv.Itoa(e.n) + sp()
	}
	p := treePrec(e)
	l, rt := e.l.print(r, full), e.r.print(r, full)
	if full || treePrec(e.l) < p {
		l = "(" + l + ")"
	}
	if full || treePrec(e.r) < p || (treePrec(e.r) == p && (e.op == '-' || e.op == '/')) {
		rt = "(" + rt + ")"
	}
	return l + string(e.op) + rt
}
