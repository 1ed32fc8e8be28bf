package rm

import "slices"

// An outcome reward model (ORM) scores whether an answer is right. It is trained here as the
// preference models are, with the Bradley-Terry loss, on pairs of answers to one problem: one
// judged right is preferred to one judged wrong. Answers come from the policy (samples scored by
// a grader, as `colash qnet collect` writes them) and, where the data has them, reference
// solutions, which are right by construction: a weak policy that never solves a problem still
// gives pairs (reference, sample).

// Outcome is one scored answer to a problem.
type Outcome struct {
	Problem  string  // the problem's identity (its prompt): pairs never mix problems
	Prompt   string  // the text the answer continues
	Response string  // the answer
	Reward   float64 // the grader's: right when >= 1
}

// OutcomePairs pairs each wrong answer of a problem with a right one of the same problem (its
// samples judged right, then its reference from refs, taken in turn), at most perProblem pairs a
// problem (0: all). Problems come out in their first appearance's order.
func OutcomePairs(outs []Outcome, refs map[string]string, perProblem int) []Pair {
	var order []string
	right, wrong := map[string][]Outcome{}, map[string][]Outcome{}
	for _, o := range outs {
		if _, seen := right[o.Problem]; !seen {
			if _, seen := wrong[o.Problem]; !seen {
				order = append(order, o.Problem)
			}
		}
		if o.Reward >= 1 {
			right[o.Problem] = append(right[o.Problem], o)
		} else {
			wrong[o.Problem] = append(wrong[o.Problem], o)
		}
	}
	var pairs []Pair
	for _, p := range order {
		chosen := slices.Clone(right[p])
		if ref, ok := refs[p]; ok && ref != "" && len(wrong[p]) > 0 {
			chosen = append(chosen, Outcome{Problem: p, Prompt: wrong[p][0].Prompt, Response: ref, Reward: 1})
		}
		if len(chosen) == 0 {
			continue // nothing right to prefer
		}
		for i, w := range wrong[p] {
			if perProblem > 0 && i == perProblem {
				break
			}
			pairs = append(pairs, Pair{Prompt: w.Prompt, Chosen: chosen[i%len(chosen)].Response, Rejected: w.Response})
		}
	}
	return pairs
}

// SplitOutcomes splits answers by problem into train and held-out sets, as SplitQueries does
// queries: no held-out problem is seen in training.
func SplitOutcomes(outs []Outcome, heldOut float64, seed uint64) (train, held []Outcome) {
	return split(outs, func(o Outcome) string { return o.Problem }, heldOut, seed)
}
