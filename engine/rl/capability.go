package rl

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// HeldOut is text to measure a model's language-modelling capability on: prompts and their
// continuations, of which only the continuation tokens are scored.
type HeldOut struct {
	Prompts, Tokens [][]int
}

// SampleHeldOut samples n continuations of maxTokens from a Llama (the frozen backbone) at
// temperature 1 from the given prompts, with a fixed seed: text the starting model finds natural,
// which an RL run should not make much less likely.
func SampleHeldOut(m *llama.Model, tok tokenizer.Tokenizer, prompts []string, n, maxTokens int, seed uint64) (*HeldOut, error) {
	var ids [][]int
	for i := 0; i < n; i++ {
		ids = append(ids, tok.Encode(prompts[i%len(prompts)], tokenizer.EncodeOptions{BOS: true}))
	}
	sess := generate.NewLlamaSession(m, 0, false)
	defer sess.Close()
	var out [][]int
	err := tensor.Guard(func() {
		tensor.NoGrad(func() {
			var err error
			out, err = generate.Generate(context.Background(), sess, ids, generate.Options{MaxTokens: maxTokens,
				Stop: tok.StopTokens(), Sampling: generate.Sampling{Temperature: 1, Seed: seed}})
			if err != nil {
				panic(err)
			}
		})
	})
	return &HeldOut{Prompts: ids, Tokens: out}, err
}

// NLL is the mean negative log-likelihood per continuation token of the held-out text under the
// actor's model. For a Llama that is the usual next-token loss. For CoLA it is the loss of the
// latent-action model's token distribution, the policy's mixture over codes of the world model,
//
//	p(x_{t+1} | x_{<=t}) = sum_a softmax(policy/tau)[a] * softmax(world_model(h_t, a))[x_{t+1}]
//
// so it moves only when the policy does (backbone and world model stay frozen).
func NLL(a Actor, h *HeldOut) (float64, error) {
	r := &Rollout{Prompts: h.Prompts, Tokens: h.Tokens, Actions: h.Tokens}
	total, count := 0.0, 0
	for _, rows := range chunks(span(0, len(h.Tokens)), 16) {
		in := NewLayout(r, rows)
		var lp []float32
		err := tensor.Guard(func() {
			tensor.NoGrad(func() {
				s := &tensor.Scope{}
				defer s.Close()
				lp = tensor.Float32s(s.T(tokenLogProbs(a, in, s))) // [B,L]
			})
		})
		if err != nil {
			return 0, err
		}
		for _, slots := range in.Slots {
			for _, x := range slots {
				total -= float64(lp[x])
				count++
			}
		}
	}
	if count == 0 {
		return 0, fmt.Errorf("rl: held-out text has no tokens")
	}
	return total / float64(count), nil
}

// tokenLogProbs is log p(next token) at every slot of in [B,L] (in.Actions hold the tokens).
func tokenLogProbs(a Actor, in *Layout, s *tensor.Scope) *ts.Tensor {
	shape := []int64{int64(in.B), int64(in.L)}
	next := s.T(tensor.FromInt64s(in.Actions, shape, a.Device()))
	idx := s.T(next.MustUnsqueeze(-1, false)) // [B,L,1]
	switch a := a.(type) {
	case *TokenActor:
		logits, h, err := a.Logits(in, false, false)
		if err != nil {
			panic(err)
		}
		s.T(logits)
		s.T(h)
		lsm := s.T(logits.MustLogSoftmax(-1, gotch.Float, false))
		return s.T(lsm.MustGather(2, idx, false, false)).MustSqueezeDim(-1, false)
	case *CoLAActor:
		logits, h, err := a.Logits(in, false, false) // policy [B,L,C], h [B,L,d]
		if err != nil {
			panic(err)
		}
		s.T(logits)
		s.T(h)
		if a.Tau() != 1 {
			logits = s.T(logits.MustDivScalar(tensor.Scalar(a.Tau()), false))
		}
		lpi := s.T(logits.MustLogSoftmax(-1, gotch.Float, false)) // [B,L,C]
		C := a.M.Config.NumCode
		var terms []*ts.Tensor
		for c := 0; c < C; c++ {
			codes := s.T(ts.MustFull(shape, tensor.Scalar(float64(c)), gotch.Int64, a.Device()))
			wm, err := a.M.WorldModelLogits(h, codes) // [B,L,V]
			if err != nil {
				panic(err)
			}
			s.T(wm)
			lx := s.T(s.T(s.T(wm.MustLogSoftmax(-1, gotch.Float, false)).MustGather(2, idx, false, false)).MustSqueezeDim(-1, false))
			pc := s.T(lpi.MustSelect(2, int64(c), false))
			terms = append(terms, s.T(lx.MustAdd(pc, false)))
		}
		st := s.T(ts.MustStack(terms, -1)) // [B,L,C]
		return st.MustLogsumexp([]int64{-1}, false, false)
	}
	panic(fmt.Errorf("rl: NLL: unknown actor %T", a))
}
