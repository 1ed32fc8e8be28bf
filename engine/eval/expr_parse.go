package eval

import (
	"errors"
	"math"
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
// takes a signed exponent ("2^-1"); n! binds tightest.
//
// Names are read as the mode says. Strict reads "xsqrt(2)" as x*sqrt(2) and
// "ln3" as ln(3). PRM800K reads as sympy does: a name is a run of letters,
// digits and "_"; "pi" is pi, "sqrt(" and "ln(" are functions, a name sympy
// defines otherwise ("re", "oo", "ff") fails, a name with "_" is one symbol
// and any other name is split into one symbol per letter ("xsqrt" is
// x*s*q*r*t, "ln3" is 3*l*n).

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
	exprFact // n!
)

type expr struct {
	kind exprKind
	num  *big.Rat // exprNum
	prec uint     // exprNum: a Float literal's precision in bits, 0 for an exact number
	name string   // exprVar
	a, b *expr
}

const (
	maxExprLen   = 1000
	maxExprDepth = 100
	maxExpDigits = 3 // decimal exponent digits in a literal such as 1e300
)

var errParse = errors.New("cannot parse expression")

type exprParser struct {
	src      string
	pos      int
	depth    int
	sympy    bool // PRM800K's reading of names
	splitEnd int  // the end of a name being read one letter at a time
}

func parseExpr(s string, mode Mode) (*expr, error) {
	if len(s) > maxExprLen {
		return nil, errors.New("expression too long")
	}
	p := &exprParser{src: s, sympy: mode == PRM800K}
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
	for p.pos < len(p.src) && strings.IndexByte(" \t\n\r", p.src[p.pos]) >= 0 {
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
	// n! binds to the atom before it, as sympy's factorial_notation does.
	for p.peek() == '!' && !strings.HasPrefix(p.src[p.pos:], "!=") && !strings.HasPrefix(p.src[p.pos:], "!!") {
		p.pos++
		base = &expr{kind: exprFact, a: base}
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
	if p.pos < p.splitEnd {
		return p.splitPiece() // the rest of a name sympy splits: "y2.0" is y*2*.0
	}
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
	if p.sympy {
		return p.sympyName()
	}
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
		return &expr{kind: exprVar, name: string(r)}, nil
	}
	return nil, errParse
}

// number reads a decimal literal, with an optional exponent ("1e5"), exactly.
// A literal with a point or an exponent is a Float to sympy: prec is the
// precision sympy gives it. The sympy reading takes "_" between digits.
func (p *exprParser) number() (*expr, error) {
	start := p.pos
	sig := 0 // significant digits of the mantissa
	digits := func(mantissa bool) int {
		n := 0
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c == '_' && p.sympy && n > 0 && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
				p.pos++
				continue
			}
			if c < '0' || c > '9' {
				break
			}
			if mantissa && (sig > 0 || c != '0') {
				sig++
			}
			p.pos++
			n++
		}
		return n
	}
	n := digits(true)
	isFloat := false
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		n += digits(true)
		isFloat = true
	}
	if p.sympy && !isFloat && n > 1 && p.src[start] == '0' && !p.exponentAhead() {
		// Python's tokenizer reads "01" as 0 then 1 (0*1 once multiplied
		// implicitly); "00" is one token.
		p.pos, sig = start+1, 0
		for p.pos < len(p.src) && (p.src[p.pos] == '0' || p.src[p.pos] == '_' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '0') {
			p.pos++
		}
		n = 1
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
		if d := digits(false); d == 0 {
			p.pos = save // "2e" is 2 times the symbol e
		} else if d > maxExpDigits {
			return nil, errors.New("number exponent too large")
		} else {
			isFloat = true
		}
	}
	lit := strings.TrimSuffix(strings.ReplaceAll(p.src[start:p.pos], "_", ""), ".")
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		if r, ok = new(big.Rat).SetString(strings.TrimSuffix(p.src[start:mantissaEnd], ".")); !ok {
			return nil, errParse
		}
	}
	e := &expr{kind: exprNum, num: r}
	if isFloat {
		// mpmath's dps_to_prec of max(15, significant digits)
		e.prec = uint(math.Round(float64(max(15, sig)+1) * 3.3219280948873626))
	}
	return e, nil
}
