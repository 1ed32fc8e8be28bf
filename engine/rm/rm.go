// Package rm is a reward model: a Llama backbone with a scalar head read at the last token of
// (prompt + response),
//
//	r(x, y) = w · h_T(x ⊕ y) + b        h_T: the final-norm hidden state of the last token [d]
//
// trained on preference pairs with the Bradley-Terry loss (train.go)
//
//	L = −log σ(r(x, y_chosen) − r(x, y_rejected))
//
// as the paper's per-domain DSP reward models (docs/paper.md, "DSP: preference RL"). It scores RL rollouts
// through engine/rl's reward-model reward.
package rm

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/engine/train/optim"
	"colash/model/checkpoint"
	"colash/model/head"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// Model is a reward model. The head is float32 on the backbone's device whatever the backbone's
// dtype: the hidden state is cast up before it.
type Model struct {
	*checkpoint.Model     // the backbone (a plain Llama) and its tokenizer
	*head.Head            // score head "score": W [1,d], B [1]
	MaxLen            int // tokens per sequence, the closing EOS included
}

// New puts a fresh score head on m (weights ~ N(0, std²) with std = 1/(d+1), as OpenRLHF's value
// head; bias 0), drawn from seed. m must be a plain Llama: a CoLA's backbone is saved as a CoLA.
func New(m *checkpoint.Model, maxLen int, seed uint64) (*Model, error) {
	if m.CoLA != nil {
		return nil, fmt.Errorf("rm: %s is a CoLA model; a reward model's backbone is a plain Llama (the CoLA's base model)", m.Path)
	}
	if maxLen < 2 {
		return nil, fmt.Errorf("rm: max_len %d: want at least 2 tokens", maxLen)
	}
	d := m.Llama.Config.Dim
	h, err := head.New(head.Config{Name: "score", In: d, Out: 1, Bias: true, Std: 1 / float64(d+1),
		Stream: 0x5c07e, Device: m.Device(), DType: gotch.Float}, seed)
	if err != nil {
		return nil, err
	}
	return &Model{Model: m, Head: h, MaxLen: maxLen}, nil
}

// HeadParams are the score head's weights, as checkpoints name them (score.weight, score.bias).
func (m *Model) HeadParams() []optim.Param {
	var out []optim.Param
	for _, p := range m.Head.Params() {
		out = append(out, optim.Param{Name: p.Name, W: *p.Ptr})
	}
	return out
}

// Free releases the head and the backbone.
func (m *Model) Free() {
	m.Head.Free()
	m.Model.Free()
}

// Encode tokenises prompt + response as one text: BOS, at most MaxLen−1 tokens of it, then EOS
// (when the tokenizer has one), the token the head reads.
func (m *Model) Encode(prompt, response string) []int {
	ids := m.Tok.Encode(prompt+response, tokenizer.EncodeOptions{BOS: true})
	eos := m.Tok.EOS()
	if eos < 0 {
		return ids[:min(len(ids), m.MaxLen)]
	}
	return append(ids[:min(len(ids), m.MaxLen-1):min(len(ids), m.MaxLen-1)], eos)
}

// rewards runs the backbone and the head over seqs, left-padded to a common length, and returns
// r [B] (float32, with grad when grad mode is on). Tensors belong to s.
func (m *Model) rewards(seqs [][]int, s *tensor.Scope) (*ts.Tensor, error) {
	B, T := len(seqs), 0
	for _, q := range seqs {
		T = max(T, len(q))
	}
	ids, pads := generate.LeftPad(seqs, T)
	x, err := m.Llama.Tokens(ids, B, T)
	if err != nil {
		return nil, err
	}
	s.T(x)
	h, err := m.Llama.Hidden(x, &llama.Batch{Pad: pads}, nil) // [B,T,d]
	if err != nil {
		return nil, err
	}
	s.T(h)
	last := s.T(h.MustSelect(1, int64(T-1), false)) // [B,d]: left padding ends every sequence here
	r := s.T(m.Head.Forward(last))                  // [B,1], float32 as the head
	return s.T(r.MustSqueezeDim(1, false)), nil     // [B]
}

// Score is the reward of each (prompt, response), without gradients, batch sequences at a time
// (0: all at once).
func (m *Model) Score(prompts, responses []string, batch int) ([]float64, error) {
	if len(prompts) != len(responses) {
		return nil, fmt.Errorf("rm: %d prompts for %d responses", len(prompts), len(responses))
	}
	seqs := make([][]int, len(prompts))
	for i := range prompts {
		seqs[i] = m.Encode(prompts[i], responses[i])
	}
	return m.scoreSeqs(seqs, batch)
}

func (m *Model) scoreSeqs(seqs [][]int, batch int) ([]float64, error) {
	if batch <= 0 {
		batch = len(seqs)
	}
	out := make([]float64, 0, len(seqs))
	for lo := 0; lo < len(seqs); lo += batch {
		var err error
		gerr := tensor.Guard(func() {
			tensor.NoGrad(func() {
				s := &tensor.Scope{}
				defer s.Close()
				var r *ts.Tensor
				if r, err = m.rewards(seqs[lo:min(lo+batch, len(seqs))], s); err == nil {
					for _, v := range tensor.Float32s(r) {
						out = append(out, float64(v))
					}
				}
			})
		})
		if err = cmpErr(gerr, err); err != nil {
			return nil, err
		}
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("rm: sequence %d scores %v", i, v)
		}
	}
	return out, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
