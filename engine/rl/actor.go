package rl

import (
	"context"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
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
	// at every step (ReMax's baseline). seed fixes the sampling streams; prompt b draws from
	// stream first+b (first > 0: a shard of a larger batch, rows first.. of it).
	Generate(ctx context.Context, prompts [][]int, maxTokens int, seed uint64, first int, greedy bool) (*Rollout, error)
	// Logits gives the action logits [B,L,K] at every slot of in and the backbone's
	// post-norm hidden state [B,L,d] (detached), from the reference policy when ref is set.
	Logits(in *Layout, ref, grad bool) (logits, hidden *ts.Tensor, err error)
	// Trainable lists the weights the optimizer updates (with their gradients enabled).
	Trainable() []weights.Param
	// Frozen lists every other weight of the model (to check they do not change).
	Frozen() []weights.Param
	// Tau is the temperature of action log-probs.
	Tau() float64
	// Device is where the model's tensors live: every tensor the trainer makes goes there.
	Device() gotch.Device
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
	x, err := m.Tokens(in.Tokens, in.B, in.L)
	if err != nil {
		return nil, nil, err
	}
	defer x.MustDrop()
	h, err := m.Hidden(x, batch, nil)
	return batch, h, err
}

// SetTrainable turns on gradients of a weight in place.
func SetTrainable(t *ts.Tensor) { t.MustRequiresGrad_(true) }

// decode runs one batched generation without autograd.
func decode(ctx context.Context, sess generate.Session, prompts [][]int, opt generate.Options) (out [][]int, err error) {
	gerr := tensor.Guard(func() {
		tensor.NoGrad(func() { out, err = generate.Generate(ctx, sess, prompts, opt) })
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
