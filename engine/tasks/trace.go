package tasks

import (
	"slices"
	"strings"
)

// A countdown worked solution is a depth-first search trace in the style of Stream of Search
// (Gandhi et al. 2024), one line per event after the prompt. For "countdown 57 99 62 44 > 11":
//
//	99-62=37 , 57 44 37   a step: two numbers of the current state combined, then the new state
//	57-44=13 , 37 13
//	37-13=24 x            a dead end: the best last step of a two-number state misses the target
//	back 57 44 37         backtracking: the state the next step starts from
//	...
//	back 57 99 62 44
//	62-57=5 , 99 44 5
//	99-44=55 , 5 55
//	55/5=11               the last step reaches the target (no marker)
//	Answer: (99-44)/(62-57)
//
// In a two-number state only the result closest to the target is written: if it misses, every
// other one misses too, so one line settles the state. A fraction appears as "7/2" in a state and
// as "(7/2)" when it is an operand, so every step line is a true equation as written.

// traceLine is one line of the search; dead is the path of child indices to the two-number state
// a dead-end line closes, nil for other lines.
type traceLine struct {
	text string
	dead []int
}

// search is one depth-first search of a countdown problem in the order of children.
type search struct {
	target  int
	trace   bool        // whether to record lines
	lines   []traceLine // the trace up to the success, without the success path's own lines
	pending bool        // a dead end was written: a "back" line precedes the next step
	path    []int       // child indices from the root to the current state
	states  []string    // states[d]: the text of the state at depth d on the current path
	steps   []string    // steps[d]: the line of the step taken from depth d on the current path
	found   bool
	answer  string   // the solution's expression, once found
	winPath []int    // the solution's path
	winSt   []string // the solution's states by depth
	winStep []string // the solution's step lines by depth, the last one reaching the target
}

func runSearch(p Problem, trace bool) *search {
	st := make([]node, len(p.Nums))
	for i, x := range p.Nums {
		st[i] = node{v: intFrac(x), e: itoa(x), prec: 3}
	}
	s := &search{target: p.Target, trace: trace, states: []string{stateText(st)}}
	if slices.ContainsFunc(p.Nums, func(x int) bool { return x < 0 }) {
		return s // an answer has no unary minus, so a negative number cannot be written
	}
	if len(st) < 2 {
		if len(st) == 1 && st[0].v == intFrac(p.Target) {
			s.found, s.answer = true, st[0].e
		}
		return s
	}
	s.dfs(st, 0)
	return s
}

func (s *search) dfs(st []node, depth int) bool {
	kids := children(st, s.target)
	s.states = append(s.states[:depth], stateText(st))
	if len(kids) == 0 { // only where every operation overflows, far outside the problem limits
		return false
	}
	if len(st) == 2 {
		best := kids[0] // the closest result: for one-value states children sorts by |result-target|
		line := operand(st[best.m.i]) + string(best.m.op) + operand(st[best.m.j]) + "=" + best.m.v.String()
		if best.m.v == intFrac(s.target) {
			s.found, s.answer = true, best.next[0].e
			s.winPath = append([]int(nil), s.path...)
			s.winSt = append([]string(nil), s.states[:depth+1]...)
			s.winStep = append(append([]string(nil), s.steps[:depth]...), line)
			return true
		}
		if s.trace {
			s.lines = append(s.lines, traceLine{line + " x", append([]int(nil), s.path...)})
		}
		s.pending = true
		return false
	}
	for ci, c := range kids {
		line := operand(st[c.m.i]) + string(c.m.op) + operand(st[c.m.j]) + "=" + c.m.v.String() + " , " + stateText(c.next)
		s.path = append(s.path[:depth], ci)
		s.steps = append(s.steps[:depth], line)
		if s.trace {
			if s.pending {
				s.lines = append(s.lines, traceLine{"back " + s.states[depth], nil})
			}
			s.lines = append(s.lines, traceLine{line, nil})
		}
		s.pending = false
		if s.dfs(c.next, depth+1) {
			if s.trace {
				s.lines = s.lines[:len(s.lines)-1] // the success path is written by Solution
			}
			return true
		}
	}
	return false
}

// operand writes a value as the operand of a step: a fraction in parentheses.
func operand(x node) string {
	if x.v.isInt() {
		return x.v.String()
	}
	return "(" + x.v.String() + ")"
}

// Solve finds an expression over all of p.Nums, each used once, with + - * / and parentheses,
// that evaluates exactly to p.Target. The search is complete: ok is false only when there is
// none.
func Solve(p Problem) (expr string, ok bool) {
	s := runSearch(p, false)
	return s.answer, s.found
}

// Solution is the worked solution of p: the search trace, then "Answer: EXPR\n". When the whole
// trace would not fit in MaxChars with the prompt, it keeps the longest prefix ending at a dead end
// that does, then backtracks to the last state it shares with the successful path and finishes
// that path. It is "" for an unsolvable problem.
func Solution(p Problem) string {
	s := runSearch(p, true)
	if !s.found {
		return ""
	}
	ans := answerTag + " " + s.answer + "\n"
	tail := func(from int) string { // the successful path's lines from depth from on
		return strings.Join(s.winStep[from:], "\n") + "\n"
	}
	budget := MaxChars - len(Prompt(p)) - len(ans)
	prefix := make([]int, len(s.lines)+1) // prefix[k]: characters of the first k lines
	for k, l := range s.lines {
		prefix[k+1] = prefix[k] + len(l.text) + 1
	}
	// The untruncated trace is the case k = last dead end, so the loop finds it first if it fits.
	for k := len(s.lines) - 1; k >= 0; k-- {
		if s.lines[k].dead == nil {
			continue
		}
		c := commonPrefix(s.lines[k].dead, s.winPath)
		back := "back " + s.winSt[c] + "\n"
		if rest := tail(c); prefix[k+1]+len(back)+len(rest) <= budget {
			var b strings.Builder
			for _, l := range s.lines[:k+1] {
				b.WriteString(l.text + "\n")
			}
			return b.String() + back + rest + ans
		}
	}
	return tail(0) + ans
}

// DirectSolution is only the answer line of p's solution ("" when unsolvable), to train without
// the search trace.
func DirectSolution(p Problem) string {
	expr, ok := Solve(p)
	if !ok {
		return ""
	}
	return answerTag + " " + expr + "\n"
}

func commonPrefix(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
