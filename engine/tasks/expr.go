package tasks

import "math/big"

// evalExpr parses all of s as an expression of non-negative integers, + - * /, parentheses and
// spaces, with the usual precedence (* and / before + and -, left to right), and evaluates it
// exactly. It returns the value and the integers in the order written (in canonical decimal, so
// "007" is "7"); ok is false for anything malformed (including a unary minus, which countdown
// does not allow) and for a division by zero. Rationals make "6/(1-5/7)" exact, and big numbers
// make any digit string safe.
func evalExpr(s string) (v *big.Rat, nums []string, ok bool) {
	p := &exprParser{s: s}
	v = p.sum()
	p.space()
	if p.bad || v == nil || p.i != len(p.s) {
		return nil, nil, false
	}
	return v, p.nums, true
}

// exprParser is a recursive-descent parser; bad records the first error so callers unwind
// without panics. Recursion depth is at most len(s), which callers bound.
type exprParser struct {
	s    string
	i    int
	nums []string
	bad  bool
}

func (p *exprParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *exprParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// sum := product (('+' | '-') product)*
func (p *exprParser) sum() *big.Rat {
	v := p.product()
	for !p.bad {
		c := p.peek()
		if c != '+' && c != '-' {
			break
		}
		p.i++
		w := p.product()
		if p.bad {
			break
		}
		if c == '+' {
			v.Add(v, w)
		} else {
			v.Sub(v, w)
		}
	}
	return v
}

// product := atom (('*' | '/') atom)*
func (p *exprParser) product() *big.Rat {
	v := p.atom()
	for !p.bad {
		c := p.peek()
		if c != '*' && c != '/' {
			break
		}
		p.i++
		w := p.atom()
		if p.bad {
			break
		}
		if c == '*' {
			v.Mul(v, w)
		} else if w.Sign() == 0 {
			p.bad = true
		} else {
			v.Quo(v, w)
		}
	}
	return v
}

// atom := '(' sum ')' | digits
func (p *exprParser) atom() *big.Rat {
	c := p.peek()
	if c == '(' {
		p.i++
		v := p.sum()
		if p.bad || p.peek() != ')' {
			p.bad = true
			return nil
		}
		p.i++
		return v
	}
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i {
		p.bad = true
		return nil
	}
	n, _ := new(big.Int).SetString(p.s[p.i:j], 10)
	p.i = j
	p.nums = append(p.nums, n.String())
	return new(big.Rat).SetInt(n)
}
