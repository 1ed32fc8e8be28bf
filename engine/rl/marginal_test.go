package rl

import (
	"math"
	"strings"
	"testing"

	"colash/model/llama"
	"colash/model/tensor"
)

// With Marginal, every log-prob the trainer reads (the rollout's, recomputed, and the
// reference's) is the token's, its codes summed out: for each rollout row alone, unpadded,
// cola.MarginalLogProbs at the completion's positions, the last token (which the layout does not
// feed) included. They are not the sampled codes' log-probs.
func TestMarginalReadsTheTokensLogProbs(t *testing.T) {
	a, c := tinyActor(t)
	a.Marginal = true
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MicroBatch = 2, 3, 4 // 6 rows: micro-batches of 4 and 2, left-padded
	_, b := firstExperience(t, a, c.Tok, yanTask(), cfg)
	codeLP := 0.0
	for i := range b.Tokens {
		want := rowMarginal(t, a, b.Prompts[i], b.Tokens[i])
		if len(b.LogProbs[i]) != len(want) || len(b.Ref[i]) != len(want) {
			t.Fatalf("row %d: %d log-probs, %d reference, %d tokens", i, len(b.LogProbs[i]), len(b.Ref[i]), len(want))
		}
		for j := range want {
			if math.Abs(b.LogProbs[i][j]-want[j]) > 1e-4 || math.Abs(b.Ref[i][j]-want[j]) > 1e-4 {
				t.Fatalf("row %d token %d: rollout %.6f, reference %.6f, the row alone %.6f", i, j, b.LogProbs[i][j], b.Ref[i][j], want[j])
			}
		}
		codeLP += codeLogProb(t, a, b.Prompts[i], b.Tokens[i], b.Actions[i])
	}
	if marg := sum2(b.LogProbs); math.Abs(marg-codeLP) < 1 {
		t.Fatalf("marginal log-probs sum to %.3f, the codes' to %.3f: want them apart", marg, codeLP)
	}
	j := DefaultJob()
	j.TokenLevel, j.Marginal = true, true
	if err := j.checkConfig(); err == nil || !strings.Contains(err.Error(), "marginal") {
		t.Errorf("marginal at token level: %v", err)
	}
}

// rowMarginal is log p(tokens[j]) after prompt + tokens[:j] for one row alone.
func rowMarginal(t *testing.T, a *CoLAActor, prompt, tokens []int) []float64 {
	t.Helper()
	var out []float64
	err := tensor.Guard(func() {
		tensor.NoGrad(func() {
			s := &tensor.Scope{}
			defer s.Close()
			h, l := rowForward(a, prompt, tokens, s)
			P, n := int64(len(prompt)), int64(len(tokens))
			at := func(x *tensorT) *tensorT { return s.T(x.MustNarrow(1, P-1, n, false)) }
			tgt := s.T(tensor.FromInt64s(toInt64s(tokens), []int64{1, n}, a.Device()))
			for _, v := range tensor.Float32s(a.M.MarginalLogProbs(at(h), at(l), tgt, s)) {
				out = append(out, float64(v))
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// codeLogProb is the sum of log pi(code) over a row's actions, the row alone.
func codeLogProb(t *testing.T, a *CoLAActor, prompt, tokens, codes []int) float64 {
	t.Helper()
	sum := 0.0
	err := tensor.Guard(func() {
		tensor.NoGrad(func() {
			s := &tensor.Scope{}
			defer s.Close()
			_, l := rowForward(a, prompt, tokens, s)
			lsm := tensor.Float32s(s.T(l.MustLogSoftmax(-1, l.DType(), false)))
			C := int(l.MustSize()[2])
			for j, c := range codes {
				sum += float64(lsm[(len(prompt)-1+j)*C+c])
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// rowForward is the backbone's hidden state and the policy's logits over prompt + tokens.
func rowForward(a *CoLAActor, prompt, tokens []int, s *tensor.Scope) (h, l *tensorT) {
	ids := toInt64s(append(append([]int(nil), prompt...), tokens...))
	x := s.T(tensor.FromInt64s(ids, []int64{1, int64(len(ids))}, a.Device()))
	batch := &llama.Batch{Pad: []int{0}}
	var err error
	if h, err = a.M.Model.Hidden(x, batch, nil); err != nil {
		panic(err)
	}
	s.T(h)
	if l, err = a.M.PolicyLogits(h, batch, nil); err != nil {
		panic(err)
	}
	return h, s.T(l)
}

func toInt64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func sum2(v [][]float64) float64 {
	s := 0.0
	for _, r := range v {
		for _, x := range r {
			s += x
		}
	}
	return s
}
