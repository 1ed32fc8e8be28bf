package search

import "colash/engine/generate"

// State is a model state a search can branch from: a prefix whose caches the model keeps. Only
// the Model that made it reads it.
type State any

// Model is what search needs of a CoLA: states that fork without recomputing their prefix, the
// policy (and Q-network) at a state's last position, one greedy world-model step per code, and
// sampled continuations. Every method adds what it computes to the model's Counter.
type Model interface {
	// Root makes the state of a prompt (token ids, BOS included).
	Root(prompt []int) (State, error)
	// Eval gives the policy's distribution over codes at s's last position, [C], and Q(s, .)
	// when a Q-network is attached (nil without one).
	Eval(s State) (probs, q []float64, err error)
	// Step takes each of codes at s, as one batch: the world model's greedy token for it, and the
	// child state holding it.
	Step(s State, codes []int) (children []State, tokens []int, err error)
	// Extend continues each state i by up to n[i] tokens, codes sampled at temperature (0:
	// greedy; top-k as the model is set) with seeds[i] and tokens greedy, stopping after EOS, as
	// one batch, and returns the state at each end with the tokens and codes it added. The
	// states stay valid.
	Extend(states []State, n []int, temperature float64, seeds []uint64) (ends []State, tokens, codes [][]int, err error)
	// Rollout continues each state by up to n tokens as Extend does, as one batch (sequence i
	// seeded with seed+i), and returns the tokens; the states stay as they were.
	Rollout(states []State, n int, temperature float64, seed uint64) ([][]int, error)
	// Free releases a state.
	Free(s State)
	// Stop reports a token that ends an answer (EOS).
	Stop(token int) bool
	// Counter is the compute spent so far.
	Counter() *Counter
}

// Reward scores answers, each the token ids after the original prompt, in one call.
type Reward func(answers [][]int) ([]float64, error)

// Counter counts forward tokens: the positions each module actually computed.
type Counter = generate.Forward
