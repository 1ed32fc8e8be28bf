package eval

import (
	"math"
	"math/big"
	"unicode"
)

// Equality of two plain-text expressions, standing in for PRM800K's
// sympy.simplify(a-b) == 0: exact rational arithmetic when both sides are
// rational, otherwise evaluation at a few deterministic complex points in
// high precision (expr_sample.go).

const (
	maxExactPow  = 1024    // largest |n| for an exact x^n
	maxExactBits = 1 << 15 // largest numerator/denominator size kept exact
	maxFactorial = 2500    // largest n for an exact n! (under maxExactBits)
)

// exactValue evaluates e as a rational; ok is false for variables,
// irrational values, division by zero or results past the size budget.
func exactValue(e *expr) (*big.Rat, bool) {
	switch e.kind {
	case exprNum:
		return e.num, true
	case exprNeg:
		a, ok := exactValue(e.a)
		if !ok {
			return nil, false
		}
		return new(big.Rat).Neg(a), true
	case exprAdd, exprSub, exprMul, exprDiv:
		a, ok := exactValue(e.a)
		if !ok {
			return nil, false
		}
		b, ok := exactValue(e.b)
		if !ok {
			return nil, false
		}
		r, ok := arith(e.kind, new(big.Rat), a, b)
		return r, ok && ratSize(r) <= maxExactBits
	case exprPow:
		base, ok := exactValue(e.a)
		if !ok {
			return nil, false
		}
		exp, ok := exactValue(e.b)
		if !ok {
			return nil, false
		}
		return exactPow(base, exp)
	case exprSqrt:
		a, ok := exactValue(e.a)
		if !ok {
			return nil, false
		}
		return exactRoot(a, 2)
	case exprFact:
		a, ok := exactValue(e.a)
		if !ok || !a.IsInt() || a.Sign() < 0 || a.Num().Cmp(big.NewInt(maxFactorial)) > 0 {
			return nil, false
		}
		return new(big.Rat).SetInt(new(big.Int).MulRange(1, a.Num().Int64())), true
	}
	return nil, false
}

func ratSize(r *big.Rat) int { return r.Num().BitLen() + r.Denom().BitLen() }

// exactPow handles integer exponents and roots p/q of perfect q-th powers.
func exactPow(base, exp *big.Rat) (*big.Rat, bool) {
	if !exp.Denom().IsInt64() || !exp.Num().IsInt64() {
		return nil, false
	}
	p, q := exp.Num().Int64(), exp.Denom().Int64()
	if q > 16 || p > maxExactPow || p < -maxExactPow {
		return nil, false
	}
	if q > 1 {
		root, ok := exactRoot(base, q)
		if !ok {
			return nil, false
		}
		base = root
	}
	if int64(ratSize(base))*abs64(p) > maxExactBits {
		return nil, false
	}
	if p < 0 {
		if base.Sign() == 0 {
			return nil, false
		}
		base = new(big.Rat).Inv(base)
		p = -p
	}
	num := new(big.Int).Exp(base.Num(), big.NewInt(p), nil)
	den := new(big.Int).Exp(base.Denom(), big.NewInt(p), nil)
	return new(big.Rat).SetFrac(num, den), true
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// exactRoot returns the q-th root of a non-negative rational when it is
// itself rational.
func exactRoot(a *big.Rat, q int64) (*big.Rat, bool) {
	if a.Sign() < 0 || ratSize(a) > maxExactBits {
		return nil, false
	}
	num, ok1 := intRoot(a.Num(), q)
	den, ok2 := intRoot(a.Denom(), q)
	if !ok1 || !ok2 {
		return nil, false
	}
	return new(big.Rat).SetFrac(num, den), true
}

func intRoot(n *big.Int, q int64) (*big.Int, bool) {
	if q == 2 {
		r := new(big.Int).Sqrt(n)
		return r, new(big.Int).Mul(r, r).Cmp(n) == 0
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	guess := math.Round(math.Pow(f, 1/float64(q)))
	if math.IsInf(guess, 0) || guess > 1e15 {
		return nil, false
	}
	for _, g := range []float64{guess - 1, guess, guess + 1} {
		if g < 0 {
			continue
		}
		r := big.NewInt(int64(g))
		if new(big.Int).Exp(r, big.NewInt(q), nil).Cmp(n) == 0 {
			return r, true
		}
	}
	return nil, false
}

// countLetters counts distinct letters once "sqrt" and "frac" are removed, as
// PRM800K does before it lets sympy near an expression.
func countLetters(s string) int {
	seen := map[rune]bool{}
	for _, r := range stripWords(s, "sqrt", "frac") {
		if unicode.IsLetter(r) {
			seen[r] = true
		}
	}
	return len(seen)
}

// number is *big.Rat or *big.Float.
type number[T any] interface {
	Add(x, y T) T
	Sub(x, y T) T
	Mul(x, y T) T
	Quo(x, y T) T
	Sign() int
}

// arith sets z to x op y for + - * /; false on division by zero.
func arith[T number[T]](kind exprKind, z, x, y T) (T, bool) {
	switch kind {
	case exprAdd:
		return z.Add(x, y), true
	case exprSub:
		return z.Sub(x, y), true
	case exprMul:
		return z.Mul(x, y), true
	}
	if y.Sign() == 0 {
		return z, false
	}
	return z.Quo(x, y), true
}
