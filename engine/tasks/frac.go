package tasks

import (
	"math"
	"strconv"
)

// frac is an exact rational for the solver and generator, where operands are small (at most five
// numbers up to 100, so every numerator and denominator stays far below 2^63); the operations
// still check for overflow and report it as "no result" rather than a wrong value.
type frac struct{ n, d int64 } // d > 0 and gcd(|n|, d) = 1

func intFrac(n int) frac { return frac{int64(n), 1} }

func newFrac(n, d int64) (frac, bool) {
	if d == 0 {
		return frac{}, false
	}
	if d < 0 {
		if n == math.MinInt64 || d == math.MinInt64 {
			return frac{}, false
		}
		n, d = -n, -d
	}
	g := gcd(n, d)
	return frac{n / g, d / g}, true
}

func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return c, true
}

func add64(a, b int64) (int64, bool) {
	c := a + b
	if (a > 0 && b > 0 && c < 0) || (a < 0 && b < 0 && c >= 0) {
		return 0, false
	}
	return c, true
}

func (a frac) isInt() bool { return a.d == 1 }

func (a frac) float() float64 { return float64(a.n) / float64(a.d) }

// String writes an integer as "12" and a fraction as "7/2".
func (a frac) String() string {
	if a.d == 1 {
		return strconv.FormatInt(a.n, 10)
	}
	return strconv.FormatInt(a.n, 10) + "/" + strconv.FormatInt(a.d, 10)
}

// cross returns a.n*b.d and b.n*a.d, the numerators over the common denominator a.d*b.d.
func cross(a, b frac) (x, y int64, ok bool) {
	x, ok1 := mul64(a.n, b.d)
	y, ok2 := mul64(b.n, a.d)
	return x, y, ok1 && ok2
}

func (a frac) add(b frac) (frac, bool) {
	x, y, ok := cross(a, b)
	n, ok2 := add64(x, y)
	d, ok3 := mul64(a.d, b.d)
	if !ok || !ok2 || !ok3 {
		return frac{}, false
	}
	return newFrac(n, d)
}

func (a frac) sub(b frac) (frac, bool) { return a.add(frac{-b.n, b.d}) }

func (a frac) mul(b frac) (frac, bool) {
	n, ok1 := mul64(a.n, b.n)
	d, ok2 := mul64(a.d, b.d)
	if !ok1 || !ok2 {
		return frac{}, false
	}
	return newFrac(n, d)
}

func (a frac) quo(b frac) (frac, bool) {
	if b.n == 0 {
		return frac{}, false
	}
	return a.mul(frac{b.d, b.n})
}

// less orders exactly; it falls back to floats only where the exact products would overflow.
func (a frac) less(b frac) bool {
	x, y, ok := cross(a, b)
	if !ok {
		return a.float() < b.float()
	}
	return x < y
}
