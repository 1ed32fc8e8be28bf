package generate

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// Score is the log-probability m gives each continuation after prefix (the prefix read after
// BOS, each continuation's tokens summed): a Llama's own next-token distribution, a CoLA's with
// the codes summed out as its policy weighs them (cola.Model.MarginalLogProbs). It ranks a
// fixed set of answers, as a multiple-choice evaluation or an agent that picks among the
// environment's admissible actions does.
//
// The continuations run scoreRows at a time as batches of prefix+continuation rows, padded at
// the end: attention is causal, so the padding after a row's last token changes none of its
// scores.
func Score(m *checkpoint.Model, prefix string, conts []string) ([]float64, error) {
	if len(conts) == 0 {
		return nil, fmt.Errorf("score: no continuations")
	}
	p := m.Tok.Encode(prefix, tokenizer.EncodeOptions{BOS: true})
	var out []float64
	for i := 0; i < len(conts); i += scoreRows {
		part, err := scoreBatch(m, p, conts[i:min(i+scoreRows, len(conts))])
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// scoreRows is how many continuations one forward reads: on a CPU a few rows of a long prefix
// are much faster than many (docs/rl.md, "Micro-batches").
const scoreRows = 4

// scoreBatch is Score of conts after the prefix ids p, in one forward.
func scoreBatch(m *checkpoint.Model, p []int, conts []string) ([]float64, error) {
	c := make([][]int, len(conts))
	n := 0 // the longest continuation
	for i, s := range conts {
		c[i] = m.Tok.Encode(s, tokenizer.EncodeOptions{})
		n = max(n, len(c[i]))
	}
	if n == 0 {
		return make([]float64, len(conts)), nil
	}
	B, L := len(conts), len(p)+n
	ids := make([]int64, 0, B*L)
	tgt := make([]int64, 0, B*n) // row b's continuation, padded with token 0
	mask := make([]float32, B*n) // 1 at a continuation's own tokens
	for b, cb := range c {
		for _, id := range p {
			ids = append(ids, int64(id))
		}
		for t := range n {
			id := int64(0)
			if t < len(cb) {
				id, mask[b*n+t] = int64(cb[t]), 1
			}
			ids, tgt = append(ids, id), append(tgt, id)
		}
	}
	x, err := m.Llama.Tokens(ids, B, L)
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	var out []float64
	err = tensor.Guard(func() {
		tensor.NoGrad(func() {
			s := &tensor.Scope{}
			defer s.Close()
			lp := s.T(scoreLogProbs(m, x, tgt, len(p), n, s)) // [B,n]
			w := s.T(tensor.FromFloat32s(mask, []int64{int64(B), int64(n)}, m.Llama.Device))
			sum := s.T(s.T(lp.MustMul(w, false)).MustSumDimIntlist([]int64{1}, false, gotch.Float, false))
			for _, v := range tensor.Float32s(sum) {
				out = append(out, float64(v))
			}
		})
	})
	return out, err
}

// scoreLogProbs is log p(x_{t+1}) [B,n] at the n positions that predict tokens P..P+n-1 of x
// [B,L] (the positions P-1..P+n-2), tgt those tokens row-major.
func scoreLogProbs(m *checkpoint.Model, x *ts.Tensor, tgt []int64, P, n int, s *tensor.Scope) *ts.Tensor {
	B := x.MustSize()[0]
	batch := &llama.Batch{Pad: make([]int, B)}
	h, err := m.Llama.Hidden(x, batch, nil) // [B,L,d]
	if err != nil {
		panic(err)
	}
	s.T(h)
	at := func(t *ts.Tensor) *ts.Tensor { return s.T(t.MustNarrow(1, int64(P-1), int64(n), false)) }
	y := s.T(tensor.FromInt64s(tgt, []int64{B, int64(n)}, m.Llama.Device))
	if m.CoLA != nil {
		l, err := m.CoLA.PolicyLogits(h, batch, nil) // [B,L,C]
		if err != nil {
			panic(err)
		}
		return m.CoLA.MarginalLogProbs(at(h), at(s.T(l)), y, s)
	}
	lsm := s.T(s.T(m.Llama.Logits(at(h))).MustLogSoftmax(-1, gotch.Float, false)) // [B,n,V]
	return s.T(s.T(lsm.MustGather(2, s.T(y.MustUnsqueeze(2, false)), false, false)).MustSqueezeDim(2, false))
}
