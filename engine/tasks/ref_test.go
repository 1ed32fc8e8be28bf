package tasks

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refEval evaluates s with the shunting-yard algorithm, a method independent of the package's
// recursive descent, under the same grammar (integers, + - * /, parentheses, spaces, no unary
// minus). It returns the value, the numbers in canonical decimal, and false when s is malformed
// or divides by zero.
func refEval(s string) (*big.Rat, []string, bool) {
	prec := map[byte]int{'+': 1, '-': 1, '*': 2, '/': 2}
	var vals []*big.Rat
	var ops []byte
	var nums []string
	apply := func() bool {
		op := ops[len(ops)-1]
		ops = ops[:len(ops)-1]
		if len(vals) < 2 {
			return false
		}
		a, b := vals[len(vals)-2], vals[len(vals)-1]
		vals = vals[:len(vals)-2]
		r := new(big.Rat)
		switch op {
		case '+':
			r.Add(a, b)
		case '-':
			r.Sub(a, b)
		case '*':
			r.Mul(a, b)
		case '/':
			if b.Sign() == 0 {
				return false
			}
			r.Quo(a, b)
		}
		vals = append(vals, r)
		return true
	}
	operand := true // whether a number or '(' comes next
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c >= '0' && c <= '9':
			if !operand {
				return nil, nil, false
			}
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := new(big.Int).SetString(s[i:j], 10)
			nums = append(nums, n.String())
			vals = append(vals, new(big.Rat).SetInt(n))
			operand, i = false, j
		case c == '(':
			if !operand {
				return nil, nil, false
			}
			ops = append(ops, c)
			i++
		case c == ')':
			if operand {
				return nil, nil, false
			}
			for len(ops) > 0 && ops[len(ops)-1] != '(' {
				if !apply() {
					return nil, nil, false
				}
			}
			if len(ops) == 0 {
				return nil, nil, false
			}
			ops = ops[:len(ops)-1]
			i++
		case prec[c] > 0:
			if operand {
				return nil, nil, false
			}
			for len(ops) > 0 && ops[len(ops)-1] != '(' && prec[ops[len(ops)-1]] >= prec[c] {
				if !apply() {
					return nil, nil, false
				}
			}
			ops = append(ops, c)
			operand = true
			i++
		default:
			return nil, nil, false
		}
	}
	if operand {
		return nil, nil, false
	}
	for len(ops) > 0 {
		if ops[len(ops)-1] == '(' || !apply() {
			return nil, nil, false
		}
	}
	return vals[0], nums, len(vals) == 1
}

// refVerify is Verify written again on refEval.
func refVerify(p Problem, completion string) bool {
	_, after, found := strings.Cut(completion, "Answer:")
	if !found {
		return false
	}
	line, _, _ := strings.Cut(after, "\n")
	line = strings.Trim(line, " ")
	if len(line) > maxAnswerLen {
		return false
	}
	v, nums, ok := refEval(line)
	if !ok {
		return false
	}
	var want []string
	for _, x := range p.Nums {
		want = append(want, strconv.Itoa(x))
	}
	slices.Sort(want)
	slices.Sort(nums)
	return slices.Equal(nums, want) && v.Cmp(big.NewRat(int64(p.Target), 1)) == 0
}

// stepRe matches a trace's arithmetic line: left operand, op, right operand, result, and then
// the new state, the dead-end marker, or nothing (the step reaching the target).
var stepRe = regexp.MustCompile(`^(\d+|\(\d+/\d+\))([-+*/])(\d+|\(\d+/\d+\))=(\d+(?:/\d+)?)(?: , ([0-9/ ]+)| (x))?$`)

func rat(t *testing.T, s string) *big.Rat {
	v, _, ok := refEval(strings.Trim(s, "()"))
	if !ok {
		t.Fatalf("bad value %q", s)
	}
	return v
}

// multiset is a state's values in canonical form, sorted.
func multiset(t *testing.T, vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = rat(t, v).RatString()
	}
	slices.Sort(out)
	return out
}

// checkTrace re-checks a countdown solution line by line: every step is a true equation over two
// numbers of the current state and writes the state that results, a dead end misses the target
// from a two-number state and is followed by a return to a state seen before, the last step hits
// the target, and the answer line verifies.
func checkTrace(t *testing.T, p Problem, sol string) {
	t.Helper()
	fail := func(i int, format string, args ...any) {
		t.Helper()
		t.Fatalf("%v: line %d: %s\n%s%s", p, i+1, fmt.Sprintf(format, args...), Prompt(p), sol)
	}
	if !strings.HasSuffix(sol, "\n") {
		fail(0, "solution does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(sol, "\n"), "\n")
	root := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(Prompt(p), "countdown "), "\n"))
	root = root[:len(root)-2] // drop "> target"
	state := multiset(t, root)
	seen := map[string]bool{strings.Join(state, " "): true}
	target := big.NewRat(int64(p.Target), 1)
	for i, line := range lines {
		last := i == len(lines)-1
		if after, ok := strings.CutPrefix(line, "back "); ok {
			if i == 0 || !strings.HasSuffix(lines[i-1], " x") {
				fail(i, "backtracking not after a dead end")
			}
			state = multiset(t, strings.Fields(after))
			if !seen[strings.Join(state, " ")] {
				fail(i, "backtracking to a state never visited")
			}
			continue
		}
		if strings.HasPrefix(line, "Answer: ") {
			if !last {
				fail(i, "answer line is not last")
			}
			if ok, _ := Verify(p, line); !ok {
				fail(i, "answer does not verify")
			}
			continue
		}
		m := stepRe.FindStringSubmatch(line)
		if m == nil || last {
			fail(i, "not a step line")
		}
		lhs, _, ok := refEval(m[1] + m[2] + m[3])
		if !ok || lhs.Cmp(rat(t, m[4])) != 0 {
			fail(i, "false equation")
		}
		rest := slices.Clone(state)
		for _, operand := range []string{m[1], m[3]} {
			k := slices.Index(rest, rat(t, operand).RatString())
			if k < 0 {
				fail(i, "operand %s not in the state %v", operand, state)
			}
			rest = slices.Delete(rest, k, k+1)
		}
		switch {
		case m[5] != "": // a step to a new state
			want := multiset(t, append(rest, m[4]))
			state = multiset(t, strings.Fields(m[5]))
			if !slices.Equal(state, want) || len(state) < 2 {
				fail(i, "state %v, want %v", state, want)
			}
			seen[strings.Join(state, " ")] = true
		case m[6] == "x":
			if len(rest) != 0 || lhs.Cmp(target) == 0 {
				fail(i, "dead end that is not one")
			}
			if last || !strings.HasPrefix(lines[i+1], "back ") {
				fail(i, "dead end not followed by backtracking")
			}
		default:
			if len(rest) != 0 || lhs.Cmp(target) != 0 || !strings.HasPrefix(lines[i+1], "Answer: ") {
				fail(i, "final step does not reach the target")
			}
		}
	}
}
