package inspect

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
)

// SpreadStats say how far a CoLA's codes move its tokens, as means over the positions of
// continuations sampled as the code table samples them (policy codes, greedy tokens). The
// policy's choice among codes reaches the text only through the world model's token under each
// code: a policy spread over codes that all make one token chooses nothing.
type SpreadStats struct {
	Positions int `json:"positions"`
	// CodeEntropy is H(pi), the policy's entropy over codes, in nats.
	CodeEntropy float64 `json:"code_entropy"`
	// TokenEntropy is the entropy of the next token the policy induces, each code's probability
	// given to the world model's greedy token under it.
	TokenEntropy float64 `json:"token_entropy"`
	// BackboneEntropy is the entropy of the backbone's own next-token distribution.
	BackboneEntropy float64 `json:"backbone_entropy"`
	// TopTokenMass is the policy's probability of the token of its most probable code.
	TopTokenMass float64 `json:"top_token_mass"`
	// DistinctTop10 is how many distinct tokens the 10 most probable codes make.
	DistinctTop10 float64 `json:"distinct_tokens_top10"`
}

// Spread measures SpreadStats on cfg's prompts, Samples continuations of Tokens tokens each.
func Spread(ctx context.Context, m *checkpoint.Model, cfg CodesConfig) (SpreadStats, error) {
	if m.CoLA == nil {
		return SpreadStats{}, fmt.Errorf("spread: %s is a plain Llama: it has no latent codes", m.Path)
	}
	if len(cfg.Prompts) == 0 || cfg.Samples <= 0 || cfg.Tokens <= 0 {
		return SpreadStats{}, fmt.Errorf("spread: want prompts and positive sample counts")
	}
	var sum SpreadStats
	err := sampled(ctx, m, cfg, func(ids []int, p int, _ []int) error {
		return overPositions(m, ids, p-1, len(ids)-1, func(h *ts.Tensor, s *tensor.Scope) {
			spreadAt(m, h, p-1, len(ids)-1, s, &sum)
		})
	})
	if err != nil || sum.Positions == 0 {
		return sum, err
	}
	n := float64(sum.Positions)
	sum.CodeEntropy /= n
	sum.TokenEntropy /= n
	sum.BackboneEntropy /= n
	sum.TopTokenMass /= n
	sum.DistinctTop10 /= n
	return sum, nil
}

// spreadAt adds the sums of SpreadStats at positions [from, to) of the backbone's hidden states
// h [1,T,d] to sum. The policy reads the whole sequence; the world model and the backbone's head
// read one position each.
func spreadAt(m *checkpoint.Model, h *ts.Tensor, from, to int, s *tensor.Scope, sum *SpreadStats) {
	C, P := m.CoLA.Config.NumCode, to-from
	at := func(x *ts.Tensor) *ts.Tensor { return s.T(x.MustNarrow(1, int64(from), int64(P), false)) }
	hp := at(h)                                                                // [1,P,d]
	toks := greedyTokens(m, hp, C, s)                                          // [C*P], code-major
	pol := s.T(must(m.CoLA.PolicyLogits(h, &llama.Batch{Pad: []int{0}}, nil))) // [1,T,C]
	pi := tensor.Float32s(s.T(at(pol).MustSoftmax(-1, gotch.Float, false)))    // [P*C]
	lsm := s.T(s.T(m.Llama.Logits(hp)).MustLogSoftmax(-1, gotch.Float, false))
	bb := tensor.Float32s(s.T(s.T(s.T(lsm.MustExp(false)).MustMul(lsm, false)).MustSumDimIntlist([]int64{-1}, false, gotch.Float, false))) // [P]: -H
	for i := range P {
		p := pi[i*C : (i+1)*C]
		byToken := map[int64]float64{}
		order := make([]int, C)
		for c := range C {
			byToken[toks[c*P+i]] += float64(p[c])
			sum.CodeEntropy -= xlogx(float64(p[c]))
			order[c] = c
		}
		for _, q := range byToken {
			sum.TokenEntropy -= xlogx(q)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpDesc(p[a], p[b]) })
		sum.TopTokenMass += byToken[toks[order[0]*P+i]]
		top := map[int64]bool{}
		for _, c := range order[:min(10, C)] {
			top[toks[c*P+i]] = true
		}
		sum.DistinctTop10 += float64(len(top))
		sum.BackboneEntropy -= float64(bb[i])
		sum.Positions++
	}
}

func xlogx(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return x * math.Log(x)
}

func cmpDesc(a, b float32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
