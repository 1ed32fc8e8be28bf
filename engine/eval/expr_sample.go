package eval

import (
	"math"
	"math/big"
	"math/cmplx"
)

// Value comparison at sample points. Expressions are evaluated at a few
// deterministic complex points, in 320-bit precision: complex points keep
// \sqrt{x-5} defined wherever x is (and tell \sqrt{x^2} from x, as sympy
// does), and the precision tells 1.41421356237 from \sqrt{2}, which float64
// could not. Roots with a rational index are computed exactly to that
// precision; the rare operations that are not (ln, irrational exponents) fall
// back to complex128 and a loose tolerance.

const (
	samplePrec = 320
	numPoints  = 5
	maxRootIdx = 16
)

var (
	tightTol = new(big.Float).SetMantExp(big.NewFloat(1), -200) // relative, full precision
	tightAbs = new(big.Float).SetMantExp(big.NewFloat(1), -230) // absolute, near zero
	piBig, _ = new(big.Float).SetPrec(samplePrec).SetString("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058")
)

type cnum struct{ re, im *big.Float }

func newF() *big.Float { return new(big.Float).SetPrec(samplePrec) }

func cFrom(c complex128) cnum {
	return cnum{newF().SetFloat64(real(c)), newF().SetFloat64(imag(c))}
}

func (a cnum) c128() complex128 {
	re, _ := a.re.Float64()
	im, _ := a.im.Float64()
	return complex(re, im)
}

func (a cnum) add(b cnum) cnum { return cnum{newF().Add(a.re, b.re), newF().Add(a.im, b.im)} }
func (a cnum) sub(b cnum) cnum { return cnum{newF().Sub(a.re, b.re), newF().Sub(a.im, b.im)} }
func (a cnum) neg() cnum       { return cnum{newF().Neg(a.re), newF().Neg(a.im)} }
func (a cnum) abs2() *big.Float {
	return newF().Add(newF().Mul(a.re, a.re), newF().Mul(a.im, a.im))
}

func (a cnum) mul(b cnum) cnum {
	return cnum{newF().Sub(newF().Mul(a.re, b.re), newF().Mul(a.im, b.im)),
		newF().Add(newF().Mul(a.re, b.im), newF().Mul(a.im, b.re))}
}

// div is false when b is zero.
func (a cnum) div(b cnum) (cnum, bool) {
	d := b.abs2()
	if d.Sign() == 0 {
		return cnum{}, false
	}
	n := a.mul(cnum{b.re, newF().Neg(b.im)})
	return cnum{newF().Quo(n.re, d), newF().Quo(n.im, d)}, true
}

// sqrt is the principal square root.
func (a cnum) sqrt() cnum {
	if a.re.Sign() == 0 && a.im.Sign() == 0 {
		return a
	}
	r := newF().Sqrt(a.abs2())
	if a.re.Sign() >= 0 {
		t := newF().Sqrt(newF().Quo(newF().Add(r, a.re), big.NewFloat(2)))
		return cnum{t, newF().Quo(a.im, newF().Mul(t, big.NewFloat(2)))}
	}
	t := newF().Sqrt(newF().Quo(newF().Sub(r, a.re), big.NewFloat(2)))
	re := newF().Quo(newF().Abs(a.im), newF().Mul(t, big.NewFloat(2)))
	if a.im.Sign() < 0 {
		t.Neg(t)
	}
	return cnum{re, t}
}

// powInt raises a to an integer power; false for 0 to a negative power.
func (a cnum) powInt(n int64) (cnum, bool) {
	if n < 0 {
		p, _ := a.powInt(-n)
		return cFrom(1).div(p)
	}
	out := cFrom(1)
	for base := a; n > 0; n >>= 1 {
		if n&1 == 1 {
			out = out.mul(base)
		}
		base = base.mul(base)
	}
	return out, true
}

// root is the principal q-th root, by Newton's method from complex128's.
func (a cnum) root(q int64) (cnum, bool) {
	if a.re.Sign() == 0 && a.im.Sign() == 0 {
		return a, true
	}
	w0 := cmplx.Pow(a.c128(), complex(1/float64(q), 0))
	if cmplx.IsInf(w0) || cmplx.IsNaN(w0) || w0 == 0 {
		return cnum{}, false
	}
	w := cFrom(w0)
	for i := 0; i < 6; i++ { // 53 bits doubling past samplePrec
		wq1, _ := w.powInt(q - 1)
		step, ok := w.mul(wq1).sub(a).div(wq1.mul(cFrom(complex(float64(q), 0))))
		if !ok {
			return cnum{}, false
		}
		w = w.sub(step)
	}
	return w, true
}

// evalState records whether an operation ran in complex128 only; sympy
// asks for sympy's reading of a Float exponent.
type evalState struct{ loose, sympy bool }

// floatPowShift tells x^2.0 from x^2 and 0.5^y from 2^-y: sympy keeps a
// power with a Float base or exponent and a variable apart from the exact
// one (x**2.0 - x**2 does not simplify to 0), so in PRM800K mode such a power
// is evaluated shifted by this relative amount, more than any tolerance.
var floatPowShift = cnum{new(big.Float).SetMantExp(big.NewFloat(1), -20), newF()}

// sampleValue evaluates e with the variables set as env says; false where it
// is undefined (division by zero).
func sampleValue(e *expr, env map[string]cnum, st *evalState) (cnum, bool) {
	switch e.kind {
	case exprNum:
		return cnum{newF().SetRat(e.num), newF()}, true
	case exprVar:
		return env[e.name], true
	case exprPi:
		return cnum{piBig, newF()}, true
	case exprFact: // of an integer only
		r, ok := exactValue(e)
		if !ok {
			return cnum{}, false
		}
		return cnum{newF().SetRat(r), newF()}, true
	}
	a, ok := sampleValue(e.a, env, st)
	if !ok {
		return cnum{}, false
	}
	switch e.kind {
	case exprNeg:
		return a.neg(), true
	case exprSqrt:
		return a.sqrt(), true
	case exprLn:
		return st.approx(cmplx.Log(a.c128()))
	case exprPow:
		v, ok := samplePow(e, a, env, st)
		if ok && st.sympy && (hasFloat(e.a) || hasFloat(e.b)) && hasVar(e) {
			v = v.add(v.mul(floatPowShift))
		}
		return v, ok
	}
	b, ok := sampleValue(e.b, env, st)
	if !ok {
		return cnum{}, false
	}
	switch e.kind {
	case exprAdd:
		return a.add(b), true
	case exprSub:
		return a.sub(b), true
	case exprMul:
		return a.mul(b), true
	case exprDiv:
		return a.div(b)
	}
	return cnum{}, false
}

// samplePow raises base a to e's exponent: exactly for a rational exponent
// within budget, else in complex128.
func samplePow(e *expr, a cnum, env map[string]cnum, st *evalState) (cnum, bool) {
	if p, ok := exactValue(e.b); ok && p.Num().IsInt64() && p.Denom().IsInt64() &&
		abs64(p.Num().Int64()) <= maxExactPow && p.Denom().Int64() <= maxRootIdx {
		if q := p.Denom().Int64(); q > 1 {
			if a, ok = a.root(q); !ok {
				return cnum{}, false
			}
		}
		return a.powInt(p.Num().Int64())
	}
	b, ok := sampleValue(e.b, env, st)
	if !ok {
		return cnum{}, false
	}
	return st.approx(cmplx.Pow(a.c128(), b.c128()))
}

func hasVar(e *expr) bool {
	return e != nil && (e.kind == exprVar || hasVar(e.a) || hasVar(e.b))
}

func (st *evalState) approx(c complex128) (cnum, bool) {
	st.loose = true
	if cmplx.IsInf(c) || cmplx.IsNaN(c) {
		return cnum{}, false
	}
	return cFrom(c), true
}

func collectVars(e *expr, into map[string]bool) {
	if e == nil {
		return
	}
	if e.kind == exprVar {
		into[e.name] = true
	}
	collectVars(e.a, into)
	collectVars(e.b, into)
}

// samplePoint gives variable v a complex value for point i, with real part
// in ±[0.6, 2.9] (both signs) and imaginary part in ±[0.3, 1.7].
func samplePoint(i int, v string) complex128 {
	x := uint64(i+1) * 0x9E3779B97F4A7C15
	for _, c := range []byte(v) {
		x = (x ^ uint64(c)) * 0xBF58476D1CE4E5B9
	}
	x ^= x >> 31
	x *= 0x94D049BB133111EB
	x ^= x >> 29
	u := func(shift uint) float64 { return float64(x>>shift&0xFFFF) / 0x10000 }
	re, im := 0.6+2.3*u(0), 0.3+1.4*u(16)
	if i%2 == 1 {
		re = -re
	}
	if x>>63 == 1 {
		im = -im
	}
	return complex(re, im)
}

// exprsEqual reports whether two expressions have equal value.
func exprsEqual(a, b string, mode Mode) (equal bool) {
	defer func() {
		// Values past big.Float's exponent range become infinite, and
		// Inf-Inf panics: such expressions are not compared.
		if r := recover(); r != nil {
			if _, ok := r.(big.ErrNaN); !ok {
				panic(r)
			}
			equal = false
		}
	}()
	ea, err := parseExpr(a, mode)
	if err != nil {
		return false
	}
	eb, err := parseExpr(b, mode)
	if err != nil {
		return false
	}
	if mode == PRM800K && (hasFloat(ea) || hasFloat(eb)) {
		if va, ok := sympyNumber(ea); ok {
			if vb, ok := sympyNumber(eb); ok {
				d, ok := sympyOp(exprSub, va, vb)
				return ok && (d.f != nil && d.f.Sign() == 0 || d.f == nil && d.rat.Sign() == 0)
			}
		}
	}
	if ra, ok := exactValue(ea); ok {
		if rb, ok := exactValue(eb); ok {
			return ra.Cmp(rb) == 0
		}
	}
	vars := map[string]bool{}
	collectVars(ea, vars)
	collectVars(eb, vars)
	valid := 0
	for i := 0; i < numPoints; i++ {
		env := make(map[string]cnum, len(vars))
		for v := range vars {
			env[v] = cFrom(samplePoint(i, v))
		}
		st := evalState{sympy: mode == PRM800K}
		x, okx := sampleValue(ea, env, &st)
		y, oky := sampleValue(eb, env, &st)
		if okx != oky {
			return false
		}
		if !okx {
			continue
		}
		if !closeEnough(x, y, st.loose) {
			return false
		}
		valid++
		if len(vars) == 0 {
			break // a constant needs one point
		}
	}
	return valid > 0
}

// closeEnough compares two values to the precision they were computed in.
func closeEnough(x, y cnum, loose bool) bool {
	d2, s2 := x.sub(y).abs2(), x.abs2()
	if ys := y.abs2(); ys.Cmp(s2) > 0 {
		s2 = ys
	}
	if loose {
		d, _ := d2.Float64()
		s, _ := s2.Float64()
		return math.Sqrt(d) <= 1e-9*math.Sqrt(s)+1e-12
	}
	rel := newF().Mul(s2, newF().Mul(tightTol, tightTol))
	abs := newF().Mul(tightAbs, tightAbs)
	return d2.Cmp(rel) <= 0 || d2.Cmp(abs) <= 0
}
