package rl

import (
	"context"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// CoLAActor acts in CoLA's latent space: codes are sampled from the policy (top-k, tau, top-p)
// and tokens are greedy given the code. Only the policy (weights named "policy") trains.
type CoLAActor struct {
	M      *cola.Model
	Latent generate.Sampling // code sampling (PaperLatent by default); Seed is set per rollout
	StopAt []int
	// Marginal makes the loss read each token's log-prob with the codes summed out,
	// log sum_a pi(a|s) p_WM(x|s,a) (cola.MarginalLogProbs), instead of the sampled code's: a
	// code that makes the same token as another is the same choice, so only a change in the
	// tokens the codes make moves the loss, its KL and its ratio.
	Marginal bool

	ref *cola.Model // shares everything with M but a frozen copy of the policy
}

// NewCoLAActor makes the actor, takes a frozen copy of the current policy as the reference and
// enables gradients on the policy weights.
func NewCoLAActor(m *cola.Model, latent generate.Sampling, stop []int) (*CoLAActor, error) {
	a := &CoLAActor{M: m, Latent: latent, StopAt: stop}
	ref := *m
	err := tensor.Guard(func() {
		ref.Policy = *weights.Clone(&m.Policy)
		for _, p := range a.Trainable() {
			SetTrainable(*p.Ptr)
		}
	})
	a.ref = &ref
	return a, err
}

// IsPolicyParam reports whether a CoLA weight trains in latent RL (the released code's
// mark_only_param_as_trainable(actor, ['policy'])).
func IsPolicyParam(name string) bool { return strings.Contains(name, "policy") }

func (a *CoLAActor) Trainable() []weights.Param {
	var out []weights.Param
	for _, p := range a.M.Params() {
		if IsPolicyParam(p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func (a *CoLAActor) Frozen() []weights.Param {
	var out []weights.Param
	for _, p := range a.M.Params() {
		if !IsPolicyParam(p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func (a *CoLAActor) Tau() float64 { return a.Latent.Tau() }

func (a *CoLAActor) Stop() []int { return a.StopAt }

func (a *CoLAActor) Device() gotch.Device { return a.M.Device }

func (a *CoLAActor) Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, first int, greedy bool) (*Rollout, error) {
	lat := a.Latent.Rollout(seed, greedy)
	lat.First = first
	sess := generate.NewCoLASession(a.M, longest(prompts)+maxTokens+1, lat)
	defer sess.Close()
	out, err := decode(ctx, sess, prompts, generate.Options{MaxTokens: maxTokens, Stop: a.StopAt})
	if err != nil {
		return nil, err
	}
	codes, lps := sess.Codes(), sess.LogProbs()
	r := &Rollout{Prompts: prompts, Tokens: out}
	for b := range out {
		n := len(out[b])
		r.Actions = append(r.Actions, codes[b][:n])
		if !a.Marginal { // the tokens' log-probs are recomputed (Trainer.actionStats)
			r.LogProbs = append(r.LogProbs, lps[b][:n]) // greedy rollouts: log-probs at tau 1 (unused)
		}
	}
	return r, nil
}

func (a *CoLAActor) ScoresTokens() bool { return a.Marginal }

// TokenLogProbs is the marginal log-prob of each slot's token under the policy logits l [B,L,C]
// (at the actor's temperature): the world model runs once for every code at every slot, without
// a gradient, and only the policy is learnt through it.
func (a *CoLAActor) TokenLogProbs(in *Layout, l, h *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	if tau := a.Tau(); tau != 1 {
		l = s.T(l.MustDivScalar(tensor.Scalar(tau), false))
	}
	tgt := s.T(tensor.FromInt64s(in.Targets, []int64{int64(in.B), int64(in.L)}, a.Device()))
	return a.M.MarginalLogProbs(h, l, tgt, s)
}

func (a *CoLAActor) Logits(in *Layout, ref, grad bool) (logits, hidden *ts.Tensor, err error) {
	m := a.M
	if ref {
		m = a.ref
	}
	err = tensor.Guard(func() {
		var batch *llama.Batch
		var h *ts.Tensor
		tensor.NoGrad(func() {
			var err error
			batch, h, err = in.hidden(m.Model) // frozen backbone: no graph
			if err != nil {
				panic(err)
			}
		})
		run := func() {
			var err error
			logits, err = m.PolicyLogits(h, batch, nil) // [B,L,C]
			if err != nil {
				h.MustDrop()
				panic(err)
			}
		}
		if grad {
			run()
		} else {
			tensor.NoGrad(run)
		}
		hidden = h
	})
	return logits, hidden, err
}

// Close frees the reference policy.
func (a *CoLAActor) Close() {
	if a.ref == nil {
		return
	}
	weights.Free(&a.ref.Policy)
	a.ref = nil
}
