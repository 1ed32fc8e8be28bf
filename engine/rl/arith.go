package rl

import (
	"math/big"
	"strings"
)

// evalArith reads the longest leading arithmetic expression of s (integers, + - * /,
// parentheses, spaces) and evaluates it exactly. It returns the value, the integers used, and
// false when no complete expression with at least one operator leads s, or on division by 0.
func evalArith(s string) (*big.Rat, []int64, bool) {
	p := &arith{s: strings.TrimSpace(s)}
	v, ok := p.sum()
	if !ok || p.ops == 0 {
		return nil, nil, false
	}
	return v, p.used, true
}

type arith struct {
	s    string
	i    int
	ops  int
	used []int64
}

func (p *arith) peek() byte {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// sum := product (('+'|'-') product)*; a trailing operator without an operand ends the
// expression before it.
func (p *arith) sum() (*big.Rat, bool) {
	v, ok := p.product()
	for ok {
		c := p.peek()
		if c != '+' && c != '-' {
			return v, true
		}
		save := p.i
		p.i++
		w, ok2 := p.product()
		if !ok2 {
			p.i = save
			return v, true
		}
		p.ops++
		if c == '+' {
			v = new(big.Rat).Add(v, w)
		} else {
			v = new(big.Rat).Sub(v, w)
		}
	}
	return v, ok
}

func (p *arith) product() (*big.Rat, bool) {
	v, ok := p.atom()
	for ok {
		c := p.peek()
		if c != '*' && c != '/' {
			return v, true
		}
		save := p.i
		p.i++
		w, ok2 := p.atom()
		if !ok2 {
			p.i = save
			return v, true
		}
		p.ops++
		if c == '*' {
			v = new(big.Rat).Mul(v, w)
		} else if w.Sign() == 0 {
			return nil, false
		} else {
			v = new(big.Rat).Quo(v, w)
		}
	}
	return v, ok
}

func (p *arith) atom() (*big.Rat, bool) {
	c := p.peek()
	if c == '(' {
		save := p.i
		p.i++
		v, ok := p.sum()
		if !ok || p.peek() != ')' {
			p.i = save
			return nil, false
		}
		p.i++
		return v, true
	}
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i || j-p.i > 12 {
		return nil, false
	}
	n := int64(0)
	for _, d := range p.s[p.i:j] {
		n = n*10 + int64(d-'0')
	}
	p.i = j
	p.used = append(p.used, n)
	return new(big.Rat).SetInt64(n), true
}
