package search

import "math"

// budget is the one rule by which every method (greedy, best-of-N, MCTS, MCTS-Q and the
// driver's restarts and completion) stops at Config.Budget forward tokens. Before each model
// call that computes, a method asks it what the call may cost and shrinks the call to fit:
// fewer rows (best-of-N's samples, MCTS's children) or fewer tokens a row (rollouts, extensions,
// completion); a call that cannot be paid for at all is not made. Checking only between rounds
// or batches let a method pass the budget by a whole round, which made "equal compute"
// comparisons unequal.
//
// A call's cost is predicted from the positions the model counts: a fed position is backbone +
// policy (+ Q-network where the state carries one), a generated token adds a world-model
// position. So the counted forward tokens never pass the budget, with two exceptions, both
// documented in docs/search.md: the prompt's own positions (every method pays them before it can
// do anything), and, without prefix reuse, the prefixes a call recomputes, which it cannot see;
// those pass it by one call at most, since the next call finds nothing left.
type budget struct {
	c     *Counter
	limit int64 // the counter's value at which the budget is spent; 0: no budget
	q     bool  // states carry a Q-network (MCTS-Q): fed positions of steps, extensions and roots cost one more
}

// left is the forward tokens that may still be spent (MaxInt64 without a budget).
func (b budget) left() int64 {
	if b.limit <= 0 {
		return math.MaxInt64
	}
	return b.limit - b.c.Total()
}

// perToken is what one generated token of one row costs: backbone, policy and world model, and
// the Q-network when q is set (rollouts never run it).
func (b budget) perToken(q bool) int64 {
	if q && b.q {
		return 4
	}
	return 3
}

// prefix is what a fresh state of n tokens costs: a fed position each, no world model.
func (b budget) prefix(n int) int64 { return int64(n) * (b.perToken(true) - 1) }

// rows is how many of k rows of n generated tokens each the budget pays for (q: the rows run
// the Q-network).
func (b budget) rows(k, n int, q bool) int {
	per := int64(max(n, 1)) * b.perToken(q)
	return int(min(int64(k), max(b.left(), 0)/per))
}

// length is how many tokens each of k rows may generate, at most n.
func (b budget) length(k, n int, q bool) int {
	per := int64(max(k, 1)) * b.perToken(q)
	return int(min(int64(n), max(b.left(), 0)/per))
}

// pays reports whether a fresh state of n tokens and one generated token after it fit: the least
// a restart or a completion must buy to be worth starting.
func (b budget) pays(n int) bool { return b.left() >= b.prefix(n)+b.perToken(true) }
