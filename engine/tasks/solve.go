package tasks

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// The search combines two numbers of a state at a time. It only makes non-negative values: the
// larger operand comes first in - and /, and the reversed division b/a is a move of its own. This
// loses nothing for a positive target (|x-y| covers x-y and y-x, and any sign further up can be
// moved to the root by swapping a subtraction), and it keeps traces free of minus signs.

// move combines the state's values at i and j (left operand first, as written) into v.
type move struct {
	i, j int
	op   byte
	v    frac
}

// pairMoves lists the distinct results of combining st[i] and st[j]: a+b, a-b, a*b, a/b and b/a
// with a >= b, dropping a repeated result (x*1 = x/1) and division by zero.
func pairMoves(st []frac, i, j int) (out [5]move, n int) {
	if st[i].less(st[j]) {
		i, j = j, i
	}
	a, b := st[i], st[j]
	try := func(l, r int, op byte, v frac, ok bool) {
		if !ok {
			return
		}
		for _, m := range out[:n] {
			if m.v == v {
				return
			}
		}
		out[n] = move{l, r, op, v}
		n++
	}
	v, ok := a.add(b)
	try(i, j, '+', v, ok)
	v, ok = a.sub(b)
	try(i, j, '-', v, ok)
	v, ok = a.mul(b)
	try(i, j, '*', v, ok)
	v, ok = a.quo(b)
	try(i, j, '/', v, ok)
	v, ok = b.quo(a)
	try(j, i, '/', v, ok)
	return out, n
}

// replace returns st without positions i and j, followed by v: the state after a move.
func replace[T any](st []T, i, j int, v T) []T {
	out := make([]T, 0, len(st)-1)
	for k, x := range st {
		if k != i && k != j {
			out = append(out, x)
		}
	}
	return append(out, v)
}

// reachable lists, ascending, the integers 1..max that some expression over all of nums (each
// once, + - * / and parentheses) evaluates to.
func reachable(nums []int, max int) []int {
	seen := make([]bool, max+1)
	var rec func(st []frac)
	rec = func(st []frac) {
		if len(st) == 1 {
			if v := st[0]; v.isInt() && v.n >= 1 && v.n <= int64(max) {
				seen[v.n] = true
			}
			return
		}
		for i := range st {
			for j := i + 1; j < len(st); j++ {
				ms, n := pairMoves(st, i, j)
				for _, m := range ms[:n] {
					rec(replace(st, i, j, m.v))
				}
			}
		}
	}
	st := make([]frac, len(nums))
	for i, x := range nums {
		st[i] = intFrac(x)
	}
	rec(st)
	var out []int
	for t, ok := range seen {
		if ok && t > 0 {
			out = append(out, t)
		}
	}
	return out
}

// node is a value of a search state with the expression that made it.
type node struct {
	v    frac
	e    string
	prec int // 3 for a number, 2 for * and /, 1 for + and -
}

func opPrec(op byte) int {
	if op == '*' || op == '/' {
		return 2
	}
	return 1
}

// combine writes l op r with the parentheses precedence needs (and no others, to keep answers
// short): a left operand binding looser than op, or a right one binding looser or equally under
// - and /.
func combine(l node, op byte, r node, v frac) node {
	p := opPrec(op)
	le, re := l.e, r.e
	if l.prec < p {
		le = "(" + le + ")"
	}
	if r.prec < p || (r.prec == p && (op == '-' || op == '/')) {
		re = "(" + re + ")"
	}
	return node{v: v, e: le + string(op) + re, prec: p}
}

// child is one move from a state, with the state it leads to.
type child struct {
	m    move
	next []node
}

// children lists the moves from st in the order the search tries them: integer results before
// fractions, then by a cheap guess of how close the new state gets, min(|sum-target|,
// |product-target|) over its values (Stream of Search's sum and product heuristics; on 1000 cd4
// problems it halves the dead ends of ordering by |result-target|), then generation order. Moves
// leading to the same multiset of values are tried once.
func children(st []node, target int) []child {
	vals := make([]frac, len(st))
	for i, x := range st {
		vals[i] = x.v
	}
	var out []child
	type key struct {
		frac bool
		dist float64
	}
	var score []key
	seen := map[string]bool{}
	t := float64(target)
	for i := range st {
		for j := i + 1; j < len(st); j++ {
			ms, n := pairMoves(vals, i, j)
			for _, m := range ms[:n] {
				next := replace(st, i, j, combine(st[m.i], m.op, st[m.j], m.v))
				sk := stateKey(next)
				if seen[sk] {
					continue
				}
				seen[sk] = true
				sum, prod := 0.0, 1.0
				for _, x := range next {
					sum += x.v.float()
					prod *= x.v.float()
				}
				out = append(out, child{m, next})
				score = append(score, key{!m.v.isInt(), min(math.Abs(sum-t), math.Abs(prod-t))})
			}
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ka, kb := score[a], score[b]
		if ka.frac != kb.frac {
			if kb.frac {
				return -1
			}
			return 1
		}
		return cmp.Compare(ka.dist, kb.dist)
	})
	sorted := make([]child, len(out))
	for i, k := range idx {
		sorted[i] = out[k]
	}
	return sorted
}

// stateKey names the multiset of a state's values.
func stateKey(st []node) string {
	s := make([]string, len(st))
	for i, x := range st {
		s[i] = x.v.String()
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// stateText writes a state's values in order, e.g. "7 57" or "12 7/2".
func stateText(st []node) string {
	s := make([]string, len(st))
	for i, x := range st {
		s[i] = x.v.String()
	}
	return strings.Join(s, " ")
}
