package eval

import (
	"errors"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A small parser for the plain-text math that prmNormalize produces, in place
// of sympy's parse_expr with implicit multiplication: numbers, + - * / ^,
// parentheses, implicit products ("2x", "2sqrt(3)", "(a)(b)"), sqrt, ln, pi,
// and single letters as variables (e, i included, as sympy reads lower case).
// Precedence follows Python: "-x^2" is -(x^2), "^" is right associative and
// takes a signed exponent ("2^-1").

type exprKind int

const (
	exprNum exprKind = iota
	exprVar
	exprPi
	exprNeg
	exprAdd
	exprSub
	exprMul
	exprDiv
	exprPow
	exprSqrt
	exprLn
)

type expr struct {
	kind exprKind
	num  *big.Rat // exprNum
	name rune     // exprVar
	a, b *expr
}

const (
	maxExprLen   = 1000
	maxExprDepth = 100
	maxExpDigits = 3 // decimal exponent digits in a literal such as 1e300
)

var errParse = errors.New("cannot parse expression")

type exprParser struct {
	src   string
	pos   int
	depth int
}

func parseExpr(s string) (*expr, error) {
	if len(s) > maxExprLen {
		return nil, errors.New("expression too long")
	}
	p := &exprParser{src: s}
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.src) {
		return nil, errParse
	}
	return e, nil
}

func (p *exprParser) peek() byte {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return errors.New("expression too deep")
	}
	return nil
}

func (p *exprParser) sum() (*expr, error) {
	left, err := p.product()
	for err == nil {
		op := p.peek()
		if op != '+' && op != '-' {
			return left, nil
		}
		p.pos++
		var right *expr
		if right, err = p.product(); err == nil {
			left = &expr{kind: map[byte]exprKind{'+': exprAdd, '-': exprSub}[op], a: left, b: right}
		}
	}
	return nil, err
}

func (p *exprParser) product() (*expr, error) {
	left, err := p.unary()
	for err == nil {
		op := p.peek()
		var right *expr
		switch {
		case op == '*' || op == '/':
			p.pos++
			if right, err = p.unary(); err == nil {
				kind := exprMul
				if op == '/' {
					kind = exprDiv
				}
				left = &expr{kind: kind, a: left, b: right}
			}
		case p.startsAtom():
			// Implicit multiplication binds like "*" (sympy inserts a "*").
			if right, err = p.power(); err == nil {
				left = &expr{kind: exprMul, a: left, b: right}
			}
		default:
			return left, nil
		}
	}
	return nil, err
}

func (p *exprParser) startsAtom() bool {
	c := p.peek()
	if c == '(' || c == '.' || c >= '0' && c <= '9' {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return c != 0 && unicode.IsLetter(r)
}

func (p *exprParser) unary() (*expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch p.peek() {
	case '-':
		p.pos++
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &expr{kind: exprNeg, a: e}, nil
	case '+':
		p.pos++
		return p.unary()
	}
	return p.power()
}

func (p *exprParser) power() (*expr, error) {
	base, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.peek() == '^' || strings.HasPrefix(p.src[p.pos:], "**") {
		if p.src[p.pos] == '*' {
			p.pos++
		}
		p.pos++
		exp, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &expr{kind: exprPow, a: base, b: exp}, nil
	}
	return base, nil
}

func (p *exprParser) atom() (*expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, errParse
		}
		p.pos++
		return e, nil
	case c == '.' || c >= '0' && c <= '9':
		return p.number()
	}
	rest := p.src[p.pos:]
	for _, fn := range []struct {
		name string
		kind exprKind
	}{{"sqrt", exprSqrt}, {"ln", exprLn}} {
		if strings.HasPrefix(rest, fn.name) {
			p.pos += len(fn.name)
			arg, err := p.atom()
			if err != nil {
				return nil, err
			}
			return &expr{kind: fn.kind, a: arg}, nil
		}
	}
	if strings.HasPrefix(rest, "pi") {
		p.pos += 2
		return &expr{kind: exprPi}, nil
	}
	r, n := utf8.DecodeRuneInString(rest)
	if n > 0 && unicode.IsLetter(r) {
		p.pos += n
		return &expr{kind: exprVar, name: r}, nil
	}
	return nil, errParse
}

// number reads a decimal literal, with an optional exponent ("1e5"), exactly.
func (p *exprParser) number() (*expr, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	n := digits()
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		n += digits()
	}
	if n == 0 {
		return nil, errParse
	}
	mantissaEnd := p.pos
	if p.pos+1 < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		save := p.pos
		p.pos++
		if p.src[p.pos] == '+' || p.src[p.pos] == '-' {
			p.pos++
		}
		if d := digits(); d == 0 {
			p.pos = save // "2e" is 2 times the symbol e
		} else if d > maxExpDigits {
			return nil, errors.New("number exponent too large")
		}
	}
	r, ok := new(big.Rat).SetString(p.src[start:p.pos])
	if !ok {
		r, ok = new(big.Rat).SetString(p.src[start:mantissaEnd])
		if !ok {
			return nil, errParse
		}
	}
	return &expr{kind: exprNum, num: r}, nil
}
