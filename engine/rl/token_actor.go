package rl

import (
	"context"
	"fmt"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// TokenActor is the token-level baseline: tokens are sampled from a Llama (top-k, temperature,
// top-p) and the last Layers decoder blocks plus the output head train (all of them, and the
// embedding, when Layers covers the model). With tied embeddings the head is the embedding.
type TokenActor struct {
	M        *llama.Model
	Sampling generate.Sampling
	Layers   int
	StopAt   []int

	ref *llama.Model
}

// NewTokenActor unfuses and enables gradients on the trained blocks and head (layers <= 0 or
// larger than the model: the full model) and keeps a frozen copy of them as the reference.
func NewTokenActor(m *llama.Model, sampling generate.Sampling, layers int, stop []int) (*TokenActor, error) {
	if layers <= 0 || layers > len(m.Layers) {
		layers = len(m.Layers)
	}
	a := &TokenActor{M: m, Sampling: sampling, Layers: layers, StopAt: stop}
	ref := *m
	ref.Layers = append([]*llama.Block(nil), m.Layers...)
	err := tensor.Guard(func() {
		first := len(m.Layers) - layers
		for i := first; i < len(m.Layers); i++ {
			m.Layers[i].Unfuse()
			ref.Layers[i] = weights.Clone(m.Layers[i])
		}
		ref.Norm = *weights.Clone(&m.Norm)
		ref.LMHead = *weights.Clone(&m.LMHead)
		if m.Embed.W == m.LMHead.W {
			ref.Embed.W = ref.LMHead.W
		} else if layers == len(m.Layers) {
			ref.Embed = *weights.Clone(&m.Embed)
		}
		for _, p := range a.Trainable() {
			SetTrainable(*p.Ptr)
		}
	})
	a.ref = &ref
	return a, err
}

func (a *TokenActor) trains(name string) bool {
	if name == "lm_head.weight" || name == "model.norm.weight" {
		return true
	}
	if name == "model.embed_tokens.weight" {
		return a.M.Embed.W == a.M.LMHead.W || a.Layers == len(a.M.Layers)
	}
	for i := len(a.M.Layers) - a.Layers; i < len(a.M.Layers); i++ {
		if strings.HasPrefix(name, fmt.Sprintf("model.layers.%d.", i)) {
			return true
		}
	}
	return false
}

func (a *TokenActor) params(train bool) []weights.Param {
	var out []weights.Param
	seen := map[*ts.Tensor]bool{}
	for _, p := range weights.Walk(a.M) {
		if *p.Ptr == nil || seen[*p.Ptr] || a.trains(p.Name) != train {
			continue
		}
		seen[*p.Ptr] = true
		out = append(out, p)
	}
	return out
}

func (a *TokenActor) Trainable() []weights.Param { return a.params(true) }
func (a *TokenActor) Frozen() []weights.Param    { return a.params(false) }
func (a *TokenActor) Stop() []int                { return a.StopAt }
func (a *TokenActor) Device() gotch.Device       { return a.M.Device }

func (a *TokenActor) Tau() float64 { return a.Sampling.Tau() }

func (a *TokenActor) Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, first int, greedy bool) (*Rollout, error) {
	sess := generate.NewLlamaSession(a.M, longest(prompts)+maxTokens+1, false)
	defer sess.Close()
	s := a.Sampling.Rollout(seed, greedy)
	s.First = first
	out, err := decode(ctx, sess, prompts, generate.Options{MaxTokens: maxTokens, Stop: a.StopAt, Sampling: s})
	if err != nil {
		return nil, err
	}
	r := &Rollout{Prompts: prompts, Tokens: out}
	for _, t := range out {
		r.Actions = append(r.Actions, append([]int(nil), t...))
	}
	return r, nil // LogProbs come from a recompute (see Trainer)
}

func (a *TokenActor) Logits(in *Layout, ref, grad bool) (logits, hidden *ts.Tensor, err error) {
	m := a.M
	if ref {
		m = a.ref
	}
	err = tensor.Guard(func() {
		run := func() {
			_, h, err := in.hidden(m) // [B,L,d]
			if err != nil {
				panic(err)
			}
			defer h.MustDrop()
			logits = m.Logits(h) // [B,L,V]
			hidden = h.MustDetach(false)
		}
		if grad {
			run()
		} else {
			tensor.NoGrad(run)
		}
	})
	return logits, hidden, err
}

// Close frees the reference copies.
func (a *TokenActor) Close() {
	if a.ref == nil {
		return
	}
	for i := len(a.M.Layers) - a.Layers; i < len(a.M.Layers); i++ {
		weights.Free(a.ref.Layers[i])
	}
	tensor.Drop(a.ref.Norm.W, a.ref.LMHead.W)
	if a.ref.Embed.W != a.ref.LMHead.W && a.ref.Embed.W != a.M.Embed.W {
		a.ref.Embed.W.MustDrop()
	}
	a.ref = nil
}
