package eval

import (
	"math"
	"math/big"
	"unicode"
)

// Equality of two plain-text expressions, standing in for PRM800K's
// sympy.simplify(a-b) == 0: exact rational arithmetic when both sides are
// rational, otherwise evaluation at a few deterministic pseudo-random points.

const (
	maxExactPow  = 1024    // largest |n| for an exact x^n
	maxExactBits = 1 << 15 // largest numerator/denominator size kept exact
	numPoints    = 5
	relTol       = 1e-10
	absTol       = 1e-12 // rounding noise around zero
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
		r := new(big.Rat)
		switch e.kind {
		case exprAdd:
			r.Add(a, b)
		case exprSub:
			r.Sub(a, b)
		case exprMul:
			r.Mul(a, b)
		default:
			if b.Sign() == 0 {
				return nil, false
			}
			r.Quo(a, b)
		}
		return r, ratSize(r) <= maxExactBits
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

// floatValue evaluates e numerically with the given variable values.
func floatValue(e *expr, env map[rune]float64) float64 {
	switch e.kind {
	case exprNum:
		f, _ := e.num.Float64()
		return f
	case exprVar:
		return env[e.name]
	case exprPi:
		return math.Pi
	case exprNeg:
		return -floatValue(e.a, env)
	case exprAdd:
		return floatValue(e.a, env) + floatValue(e.b, env)
	case exprSub:
		return floatValue(e.a, env) - floatValue(e.b, env)
	case exprMul:
		return floatValue(e.a, env) * floatValue(e.b, env)
	case exprDiv:
		return floatValue(e.a, env) / floatValue(e.b, env)
	case exprPow:
		return math.Pow(floatValue(e.a, env), floatValue(e.b, env))
	case exprSqrt:
		return math.Sqrt(floatValue(e.a, env))
	case exprLn:
		return math.Log(floatValue(e.a, env))
	}
	return math.NaN()
}

func collectVars(e *expr, into map[rune]bool) {
	if e == nil {
		return
	}
	if e.kind == exprVar {
		into[e.name] = true
	}
	collectVars(e.a, into)
	collectVars(e.b, into)
}

// samplePoint gives variable v a value in [1.1, 2.9] for point i; values
// avoid 0 and 1 where many distinct expressions happen to agree.
func samplePoint(i int, v rune) float64 {
	x := uint64(i+1)*0x9E3779B97F4A7C15 ^ uint64(v)*0xBF58476D1CE4E5B9
	x ^= x >> 31
	x *= 0x94D049BB133111EB
	x ^= x >> 29
	return 1.1 + 1.8*float64(x>>11)/float64(1<<53)
}

// exprsEqual reports whether two expressions have equal value.
func exprsEqual(a, b string) bool {
	ea, err := parseExpr(a)
	if err != nil {
		return false
	}
	eb, err := parseExpr(b)
	if err != nil {
		return false
	}
	if ra, ok := exactValue(ea); ok {
		if rb, ok := exactValue(eb); ok {
			return ra.Cmp(rb) == 0
		}
	}
	vars := map[rune]bool{}
	collectVars(ea, vars)
	collectVars(eb, vars)
	valid := 0
	for i := 0; i < numPoints; i++ {
		env := make(map[rune]float64, len(vars))
		for v := range vars {
			env[v] = samplePoint(i, v)
		}
		x, y := floatValue(ea, env), floatValue(eb, env)
		fx, fy := isFinite(x), isFinite(y)
		if fx != fy {
			return false
		}
		if !fx {
			continue
		}
		if d := math.Abs(x - y); d > relTol*math.Max(math.Abs(x), math.Abs(y)) && d > absTol {
			return false
		}
		valid++
	}
	return valid > 0
}

func isFinite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

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
