package colash

import "sort"

// The prelude fills gaps of the interpreter: yaegi has no min and max built-ins and cannot call
// generic functions such as slices.Sort, so these plain versions stand in.

// Min is the smallest of its arguments (0 for none).
func Min(xs ...int) int { return extreme(xs, func(a, b int) bool { return a < b }) }

// Max is the largest of its arguments (0 for none).
func Max(xs ...int) int { return extreme(xs, func(a, b int) bool { return a > b }) }

// MinF is the smallest of its arguments (0 for none).
func MinF(xs ...float64) float64 { return extreme(xs, func(a, b float64) bool { return a < b }) }

// MaxF is the largest of its arguments (0 for none).
func MaxF(xs ...float64) float64 { return extreme(xs, func(a, b float64) bool { return a > b }) }

// extreme returns the element that beats every other under better (the zero value for none).
// It is generic, so it stays unexported: the interpreter cannot call generic functions.
func extreme[T int | float64](xs []T, better func(a, b T) bool) T {
	var m T
	for i, x := range xs {
		if i == 0 || better(x, m) {
			m = x
		}
	}
	return m
}

// SortInts sorts xs in place, ascending, and returns it.
func SortInts(xs []int) []int { sort.Ints(xs); return xs }

// SortFloats sorts xs in place, ascending, and returns it.
func SortFloats(xs []float64) []float64 { sort.Float64s(xs); return xs }

// SortStrings sorts xs in place, ascending, and returns it.
func SortStrings(xs []string) []string { sort.Strings(xs); return xs }

// Range is 0, 1, ..., n-1: write `for _, i := range colash.Range(n)` where Go 1.22 allows
// `for i := range n` (the interpreter does not).
func Range(n int) []int {
	out := make([]int, max(n, 0))
	for i := range out {
		out[i] = i
	}
	return out
}

// Sum adds ints.
func Sum(xs ...int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// SumF adds floats.
func SumF(xs ...float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}
