package rl

import (
	"context"
	"fmt"
	"strings"

	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// Rollout is a batch of sampled completions, one row per sample (the group_size samples of a
// prompt are consecutive rows).
type Rollout struct {
	Prompts  [][]int     // prompt ids, BOS first
	Tokens   [][]int     // completion ids (a final stop token included)
	Actions  [][]int     // the action behind each completion token: a latent code, or the token itself
	LogProbs [][]float64 // log-prob of each action under the rollout policy: log_softmax(logits/tau)[a]
	Ref      [][]float64 // the same under the frozen reference policy
}

// Actor is a policy over actions: latent codes of a CoLA model (CoLAActor) or tokens of a Llama
// (TokenActor). Rollouts run without gradients; Logits recomputes the action logits of a whole
// rolled-out batch in one pass, with gradients through the trainable weights when asked.
type Actor interface {
	// Generate samples up to maxTokens tokens for each prompt. greedy takes the argmax action
	// at every step (ReMax's baseline). seed fixes the sampling streams.
	Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, greedy bool) (*Rollout, error)
	// Logits gives the action logits [B,L,K] at every slot of in and the backbone's
	// post-norm hidden state [B,L,d] (detached), from the reference policy when ref is set.
	Logits(in *Layout, ref, grad bool) (logits, hidden *ts.Tensor, err error)
	// Trainable lists the weights the optimizer updates (with their gradients enabled).
	Trainable() []weights.Param
	// Frozen lists every other weight of the model (to check they do not change).
	Frozen() []weights.Param
	// Tau is the temperature of action log-probs.
	Tau() float64
	Stop() []int
	Close()
}

// Layout is a rolled-out batch laid out for one forward pass: each row is prompt + completion
// (less its last token, which no action depends on), left-padded to L slots. The action for
// completion token j of row b is chosen at slot Slots[b][j].
type Layout struct {
	B, L    int
	Tokens  []int64 // [B*L]
	Pad     []int
	Actions []int64   // [B*L]: the action taken at each slot (0 where none)
	Mask    []float32 // [B*L]: 1 at action slots
	Slots   [][]int
}

// NewLayout lays out rows of r.
func NewLayout(r *Rollout, rows []int) *Layout {
	in := &Layout{B: len(rows)}
	for _, i := range rows {
		in.L = max(in.L, len(r.Prompts[i])+max(len(r.Tokens[i])-1, 0))
	}
	in.Tokens = make([]int64, in.B*in.L)
	in.Actions = make([]int64, in.B*in.L)
	in.Mask = make([]float32, in.B*in.L)
	in.Pad = make([]int, in.B)
	in.Slots = make([][]int, in.B)
	for b, i := range rows {
		seq := append(append([]int(nil), r.Prompts[i]...), r.Tokens[i]...)
		n := len(r.Prompts[i]) + max(len(r.Tokens[i])-1, 0)
		seq = seq[:n]
		in.Pad[b] = in.L - n
		for t, id := range seq {
			in.Tokens[b*in.L+in.Pad[b]+t] = int64(id)
		}
		for j, a := range r.Actions[i] {
			s := in.Pad[b] + len(r.Prompts[i]) - 1 + j
			in.Slots[b] = append(in.Slots[b], s)
			in.Actions[b*in.L+s] = int64(a)
			in.Mask[b*in.L+s] = 1
		}
	}
	return in
}

// hidden runs a backbone over the layout: h [B,L,d].
func (in *Layout) hidden(m *llama.Model) (*llama.Batch, *ts.Tensor, error) {
	batch := &llama.Batch{Pad: in.Pad}
	x := tensor.FromInt64s(in.Tokens, []int64{int64(in.B), int64(in.L)}, m.Device)
	defer x.MustDrop()
	h, err := m.Hidden(x, batch, nil)
	return batch, h, err
}

// CoLAActor acts in CoLA's latent space: codes are sampled from the policy (top-k, tau, top-p)
// and tokens are greedy given the code. Only the policy (weights named "policy") trains.
type CoLAActor struct {
	M      *cola.Model
	Latent generate.Sampling // code sampling (PaperLatent by default); Seed is set per rollout
	StopAt []int

	ref *cola.Model // shares everything with M but a frozen copy of the policy
}

// NewCoLAActor makes the actor, takes a frozen copy of the current policy as the reference and
// enables gradients on the policy weights.
func NewCoLAActor(m *cola.Model, latent generate.Sampling, stop []int) (*CoLAActor, error) {
	a := &CoLAActor{M: m, Latent: latent, StopAt: stop}
	ref := *m
	ref.PolicyLayers = make([]*llama.Block, len(m.PolicyLayers))
	err := tensor.Guard(func() {
		for i, b := range m.PolicyLayers {
			ref.PolicyLayers[i] = weights.Clone(b)
		}
		ref.PolicyNorm, ref.PolicyHead = *weights.Clone(&m.PolicyNorm), *weights.Clone(&m.PolicyHead)
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

func (a *CoLAActor) Tau() float64 {
	if a.Latent.Temperature <= 0 {
		return 1
	}
	return a.Latent.Temperature
}

func (a *CoLAActor) Stop() []int { return a.StopAt }

func (a *CoLAActor) Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, greedy bool) (*Rollout, error) {
	lat := a.Latent
	lat.Seed = seed
	if greedy {
		lat.Temperature = 0
	}
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
		r.LogProbs = append(r.LogProbs, lps[b][:n]) // greedy rollouts: log-probs at tau 1 (unused)
	}
	return r, nil
}

func (a *CoLAActor) Logits(in *Layout, ref, grad bool) (logits, hidden *ts.Tensor, err error) {
	m := a.M
	if ref {
		m = a.ref
	}
	err = tensor.Guard(func() {
		var batch *llama.Batch
		var h *ts.Tensor
		noGrad(func() {
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
			noGrad(run)
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
	for _, b := range a.ref.PolicyLayers {
		weights.Free(b)
	}
	tensor.Drop(a.ref.PolicyNorm.W, a.ref.PolicyHead.W)
	a.ref = nil
}

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

func (a *TokenActor) Tau() float64 {
	if a.Sampling.Temperature <= 0 {
		return 1
	}
	return a.Sampling.Temperature
}

func (a *TokenActor) Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, greedy bool) (*Rollout, error) {
	smp := a.Sampling
	smp.Seed = seed
	if greedy {
		smp.Temperature = 0
	}
	sess := generate.NewLlamaSession(a.M, longest(prompts)+maxTokens+1, false)
	defer sess.Close()
	out, err := decode(ctx, sess, prompts, generate.Options{MaxTokens: maxTokens, Stop: a.StopAt, Sampling: smp})
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
			noGrad(run)
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

// SetTrainable turns on gradients of a weight in place.
func SetTrainable(t *ts.Tensor) { t.MustRequiresGrad_(true) }

// decode runs one batched generation without autograd.
func decode(ctx context.Context, sess generate.Session, prompts [][]int, opt generate.Options) (out [][]int, err error) {
	gerr := tensor.Guard(func() {
		noGrad(func() { out, err = generate.Generate(ctx, sess, prompts, opt) })
	})
	if gerr != nil {
		return nil, gerr
	}
	return out, err
}

// longest is the length of the longest prompt.
func longest(prompts [][]int) int {
	L := 0
	for _, p := range prompts {
		L = max(L, len(p))
	}
	return L
}
