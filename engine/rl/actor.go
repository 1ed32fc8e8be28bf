package rl

import (
	"context"
	"slices"

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

// Layout is a rolled-out batch laid out for one forward pass: each row is a rollout row's prompt
// + completion (less its last token, which no action depends on), left-padded to L slots, or in
// a packed layout (NewEpisodeLayout) the tries of one episode, read as their transcript once.
// rows[k] (the rollout rows laid out, in order) chooses its completion token j's action at flat
// slot Slots[k][j] of [B*L].
type Layout struct {
	B, L    int
	Tokens  []int64 // [B*L]
	Pad     []int
	Actions []int64 // [B*L]: the action taken at each slot (0 where none)
	Targets []int64 // [B*L]: the token that slot's action made (0 where none)
	// Weight [B*L] is 1/n at each of a rollout row's n action slots: a loss summed with it is the
	// sum over rollout rows of each row's mean, however the rows are packed.
	Weight []float32
	Slots  [][]int
}

// NewLayout lays out rows of r, one a layout row.
func NewLayout(r *Rollout, rows []int) *Layout { return layout(r, rows, nil) }

// NewEpisodeLayout lays out rows of r as NewLayout does, except that the tries of one episode
// (episode[i] is row i's) share a layout row where each try's prompt is the try before it
// followed by that try's completion, as a transcript grows (envEpisodes' tries are so): causal
// attention gives every action the log-prob it has in its own row, and the pass reads each
// transcript once instead of once a try.
func NewEpisodeLayout(r *Rollout, rows, episode []int) *Layout { return layout(r, rows, episode) }

func layout(r *Rollout, rows, episode []int) *Layout {
	chains := packRows(r, rows, episode)
	length := func(i int) int { return len(r.Prompts[i]) + max(len(r.Tokens[i])-1, 0) }
	in := &Layout{B: len(chains)}
	for _, ch := range chains {
		in.L = max(in.L, length(rows[ch[len(ch)-1]]))
	}
	in.Tokens = make([]int64, in.B*in.L)
	in.Actions = make([]int64, in.B*in.L)
	in.Targets = make([]int64, in.B*in.L)
	in.Weight = make([]float32, in.B*in.L)
	in.Pad = make([]int, in.B)
	in.Slots = make([][]int, len(rows))
	for b, ch := range chains {
		last := rows[ch[len(ch)-1]] // its prompt holds the tries before it
		n := length(last)
		in.Pad[b] = in.L - n
		seq := append(append([]int(nil), r.Prompts[last]...), r.Tokens[last]...)[:n]
		for t, id := range seq {
			in.Tokens[b*in.L+in.Pad[b]+t] = int64(id)
		}
		for _, k := range ch {
			i := rows[k]
			for j, a := range r.Actions[i] {
				x := b*in.L + in.Pad[b] + len(r.Prompts[i]) - 1 + j
				in.Slots[k] = append(in.Slots[k], x)
				in.Actions[x], in.Weight[x] = int64(a), 1/float32(len(r.Actions[i]))
				in.Targets[x] = int64(r.Tokens[i][j])
			}
		}
	}
	return in
}

// SumOver weighs every action slot 1/n, so that a loss summed with Weight is the sum over rollout
// rows of each row's token sum divided by n (Dr. GRPO's aggregation, n the completion limit):
// every token counts alike, however long its completion.
func (in *Layout) SumOver(n int) {
	for _, slots := range in.Slots {
		for _, x := range slots {
			in.Weight[x] = 1 / float32(n)
		}
	}
}

// packRows groups the positions k of rows into layout rows: each alone without episodes, else
// the tries of an episode in order of their prompts' length, a try joining the one before it
// when its prompt continues that try's prompt and completion.
func packRows(r *Rollout, rows, episode []int) [][]int {
	var out [][]int
	if episode == nil {
		for k := range rows {
			out = append(out, []int{k})
		}
		return out
	}
	byEpisode, order := map[int][]int{}, []int{}
	for k, i := range rows {
		e := episode[i]
		if _, ok := byEpisode[e]; !ok {
			order = append(order, e)
		}
		byEpisode[e] = append(byEpisode[e], k)
	}
	for _, e := range order {
		ks := byEpisode[e]
		slices.SortStableFunc(ks, func(a, b int) int { return len(r.Prompts[rows[a]]) - len(r.Prompts[rows[b]]) })
		for n, k := range ks {
			if n > 0 && continues(r, rows[ks[n-1]], rows[k]) {
				out[len(out)-1] = append(out[len(out)-1], k)
			} else {
				out = append(out, []int{k})
			}
		}
	}
	return out
}

// continues reports whether row j's prompt is row i's prompt and completion, and more.
func continues(r *Rollout, i, j int) bool {
	p, q := r.Prompts[i], r.Prompts[j]
	n := len(p) + len(r.Tokens[i])
	return len(q) >= n && slices.Equal(q[:len(p)], p) && slices.Equal(q[len(p):n], r.Tokens[i])
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
