package train

import (
	"math"
	"testing"

	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// NLL is the mean of -log softmax(logits)[next token] over the positions a document trains on,
// recomputed here one sequence at a time from the logits in Go.
func TestNLLIsTheMeanNextTokenLossOverTrainedPositions(t *testing.T) {
	c := tinyCoLA(t, 1)
	defer c.Free()
	enc := func(s string) []int { return append([]int{c.Tok.BOS()}, c.Tok.Encode(s, tokenizer.EncodeOptions{})...) }
	a, b := enc("Once upon a time, there was a little girl named Lily. She liked to play."), enc("Tom and Sue went to the park.")
	docs := []Doc{{Tokens: a, Loss: trues(len(a))}, {Tokens: b, Loss: trues(len(b))}}
	docs[1].Loss[3] = false // a position that does not train is not scored
	const seq = 12
	got, n, err := NLL(c.Llama, docs, seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	var count int
	for _, s := range Pack(docs, seq) {
		x, err := c.Llama.Tokens(s.Tokens, 1, seq)
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.Llama.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
		x.MustDrop()
		if err != nil {
			t.Fatal(err)
		}
		lg := c.Llama.Logits(h)
		h.MustDrop()
		v, V := tensor.Float32s(lg), int(c.Llama.Config.Vocab)
		lg.MustDrop()
		for p := 0; p+1 < seq; p++ {
			if !s.Loss[p+1] {
				continue
			}
			row := v[p*V : (p+1)*V]
			mx := float64(row[0])
			for _, z := range row {
				mx = math.Max(mx, float64(z))
			}
			var lse float64
			for _, z := range row {
				lse += math.Exp(float64(z) - mx)
			}
			sum += mx + math.Log(lse) - float64(row[s.Tokens[p+1]])
			count++
		}
	}
	if n != count || math.Abs(got-sum/float64(count)) > 1e-4 {
		t.Fatalf("NLL %.6f over %d tokens, recomputed %.6f over %d", got, n, sum/float64(count), count)
	}
	if _, _, err := NLL(c.Llama, docs[1:], 1000, 0); err == nil {
		t.Fatal("data shorter than one sequence gave an NLL")
	}
}

func trues(n int) []bool {
	v := make([]bool, n)
	for i := range v {
		v[i] = true
	}
	return v
}
