package generate_test

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// logSoftmaxAt is log softmax(row)[i].
func logSoftmaxAt(row []float32, i int) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	z := 0.0
	for _, v := range row {
		z += math.Exp(float64(v) - m)
	}
	return float64(row[i]) - m - math.Log(z)
}

// A Llama's score is the sum of its decoding log-probabilities, teacher-forced one token at a
// time through the KV cache, for continuations of different lengths in batches (more than one
// forward's rows).
func TestScoreIsTheLlamasDecodingLogProb(t *testing.T) {
	l := shipped(t)
	prefix, conts := "Once upon a time", []string{" there was a little girl", " Tom", " the sun was hot and the dog ran",
		" a bird", " Lily and her mom went to the park to play", " it"}
	got, err := generate.Score(l, prefix, conts)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Tok.Encode(prefix, tokenizer.EncodeOptions{BOS: true})
	for i, c := range conts {
		sess := generate.NewLlamaSession(l.Llama, 64, false)
		rows, err := sess.Prefill(toInt64(p), 1, len(p), []int{0})
		if err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for _, id := range l.Tok.Encode(c, tokenizer.EncodeOptions{}) {
			want += logSoftmaxAt(rows[0], id)
			if rows, err = sess.Step([]int64{int64(id)}); err != nil {
				t.Fatal(err)
			}
		}
		sess.Close()
		if math.Abs(got[i]-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("%q: score %.5f, decoding %.5f", c, got[i], want)
		}
	}
}

// A CoLA's score sums its codes out: at each token, sum_a policy(a) * p_WM(token | a), with the
// policy read after the text so far and the world model run code by code.
func TestScoreSumsTheCoLAsCodesOut(t *testing.T) {
	c, err := checkpoint.OpenCoLA("../../models/stories260K", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}, &testModules, 11)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	m := c.CoLA
	prefix, conts := "Once upon a time", []string{" Lily", " the cat sat"}
	got, err := generate.Score(c, prefix, conts)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range conts {
		ids := c.Tok.Encode(prefix, tokenizer.EncodeOptions{BOS: true})
		want := 0.0
		for _, id := range c.Tok.Encode(s, tokenizer.EncodeOptions{}) {
			pol := policyLast(t, m, ids)
			p := 0.0
			for k := range pol {
				p += math.Exp(logSoftmaxAt(pol, k) + logSoftmaxAt(wmLogits(t, m, ids, k), id))
			}
			want += math.Log(p)
			ids = append(ids, id)
		}
		if math.Abs(got[i]-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("%q: score %.5f, codes summed one by one %.5f", s, got[i], want)
		}
	}
}

// policyLast is the policy's code logits after ids.
func policyLast(t *testing.T, m *cola.Model, ids []int) []float32 {
	t.Helper()
	T := int64(len(ids))
	x := tensor.FromInt64s(toInt64(ids), []int64{1, T}, gotch.CPU)
	defer x.MustDrop()
	h, err := m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	l, err := m.PolicyLogits(h, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.MustDrop()
	all := tensor.Float32s(l)
	return all[len(all)-testModules.Codes:]
}
