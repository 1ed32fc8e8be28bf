package eval

import (
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// How sympy's parse_expr (with implicit multiplication) reads PRM800K's plain
// text, where the PRM800K mode must follow it: names (split letter by letter
// unless sympy knows them), Python's number tokens, and Float arithmetic.

// sympyNames are the names sympy's namespace gives a meaning that PRM800K's
// letter count lets through; comparing them fails in sympy or here.
var sympyNames = map[string]bool{"csc": true, "eye": true, "ff": true, "fft": true, "frac": true, "fu": true,
	"gff": true, "hn1": true, "hn2": true, "im": true, "jn": true, "li": true, "nan": true, "ntt": true, "oo": true,
	"re": true, "rf": true, "yn": true, "zoo": true, "sqrt": true, "ln": true}

// sympyName reads a name as sympy's parser with implicit multiplication does.
func (p *exprParser) sympyName() (*expr, error) {
	if p.pos < p.splitEnd {
		return p.splitPiece()
	}
	start := p.pos
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		p.pos += n
	}
	name := p.src[start:p.pos]
	switch {
	case name == "":
		return nil, errParse
	case name == "pi":
		return &expr{kind: exprPi}, nil
	case (name == "sqrt" || name == "ln") && p.peek() == '(':
		arg, err := p.atom()
		if err != nil {
			return nil, err
		}
		return &expr{kind: map[string]exprKind{"sqrt": exprSqrt, "ln": exprLn}[name], a: arg}, nil
	case sympyNames[name]:
		return nil, errParse
	case strings.Contains(name, "_"):
		return &expr{kind: exprVar, name: name}, nil
	}
	// Split into one symbol per letter and numbers for digit runs; they
	// multiply as separate tokens, so a power binds to the last one only.
	p.pos, p.splitEnd = start, p.pos
	return p.splitPiece()
}

// splitPiece reads one piece of a split name.
func (p *exprParser) splitPiece() (*expr, error) {
	r, n := utf8.DecodeRuneInString(p.src[p.pos:])
	if !unicode.IsDigit(r) {
		p.pos += n
		return &expr{kind: exprVar, name: string(r)}, nil
	}
	start := p.pos
	for p.pos < p.splitEnd && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	num, ok := new(big.Rat).SetString(p.src[start:p.pos])
	if !ok {
		return nil, errParse // a digit outside ASCII
	}
	return &expr{kind: exprNum, num: num}, nil
}

// exponentAhead reports whether an exponent ("e5", "E-3") follows.
func (p *exprParser) exponentAhead() bool {
	i := p.pos
	if i+1 >= len(p.src) || p.src[i] != 'e' && p.src[i] != 'E' {
		return false
	}
	i++
	if p.src[i] == '+' || p.src[i] == '-' {
		i++
	}
	return i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9'
}

// sympyNum is a number as sympy holds it once parsed: an exact Rational, or
// a Float of some precision (f != nil).
type sympyNum struct {
	rat *big.Rat
	f   *big.Float
}

// sympyNumber evaluates a tree of numbers, + - * / and integer powers as
// sympy does: exactly while every number is exact, in Float arithmetic
// rounded to the larger precision once a Float takes part (so 0.1+0.2 is not
// 0.3, and 6.72*10^-5 is not .0000672). ok is false for anything else.
func sympyNumber(e *expr) (sympyNum, bool) {
	if !hasFloat(e) {
		r, ok := exactValue(e)
		return sympyNum{rat: r}, ok
	}
	switch e.kind {
	case exprNum:
		return sympyNum{f: new(big.Float).SetPrec(e.prec).SetRat(e.num)}, true
	case exprNeg:
		if a, ok := sympyNumber(e.a); ok { // a Float, as e.a holds one
			return sympyNum{f: new(big.Float).Neg(a.f)}, true
		}
	case exprAdd, exprSub, exprMul, exprDiv, exprPow:
		a, okA := sympyNumber(e.a)
		b, okB := sympyNumber(e.b)
		if okA && okB {
			return sympyOp(e.kind, a, b)
		}
	}
	return sympyNum{}, false
}

func sympyOp(kind exprKind, a, b sympyNum) (sympyNum, bool) {
	if a.f == nil && b.f == nil {
		r, ok := exactValue(&expr{kind: kind, a: &expr{kind: exprNum, num: a.rat}, b: &expr{kind: exprNum, num: b.rat}})
		return sympyNum{rat: r}, ok
	}
	if kind == exprPow {
		if b.f != nil || !b.rat.IsInt() || !b.rat.Num().IsInt64() || abs64(b.rat.Num().Int64()) > 64 {
			return sympyNum{}, false
		}
		n := b.rat.Num().Int64()
		exact := new(big.Float).SetPrec(a.f.Prec() * uint(abs64(n)+1)).SetInt64(1)
		for i := int64(0); i < abs64(n); i++ {
			exact.Mul(exact, a.f)
		}
		if n < 0 {
			if exact.Sign() == 0 {
				return sympyNum{}, false
			}
			exact.Quo(new(big.Float).SetPrec(a.f.Prec()).SetInt64(1), exact)
		}
		return sympyNum{f: new(big.Float).SetPrec(a.f.Prec()).Set(exact)}, true
	}
	prec := max(floatPrec(a), floatPrec(b))
	x, y := a.float(prec), b.float(prec)
	z, ok := arith(kind, new(big.Float).SetPrec(prec), x, y)
	return sympyNum{f: z}, ok
}

func floatPrec(n sympyNum) uint {
	if n.f == nil {
		return 0
	}
	return n.f.Prec()
}

func (n sympyNum) float(prec uint) *big.Float {
	if n.f != nil {
		return n.f
	}
	return new(big.Float).SetPrec(prec).SetRat(n.rat)
}

// hasFloat reports whether e holds a Float literal.
func hasFloat(e *expr) bool {
	return e != nil && (e.kind == exprNum && e.prec > 0 || hasFloat(e.a) || hasFloat(e.b))
}
