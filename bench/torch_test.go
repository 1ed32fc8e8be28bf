package bench

import (
	"context"
	"slices"
	"testing"

	"colash/engine/generate"
	"colash/internal/testenv"
	"colash/model/tokenizer"
)

// The PyTorch baseline decodes the same greedy tokens as colash: it measures the same work.
func TestTorchBaselineComputesTheSameModel(t *testing.T) {
	testenv.PythonWith(t, "torch")
	const n = 64
	want, err := TorchGreedyTokens("../models/stories260K", n)
	if err != nil {
		t.Fatal(err)
	}
	l := loadShipped(t)
	sess := generate.NewLlamaSession(l.Llama, n+2, false)
	defer sess.Close()
	bos := l.Tok.Encode("", tokenizer.EncodeOptions{BOS: true})
	got, err := generate.Generate(context.Background(), sess, [][]int{bos}, generate.Options{MaxTokens: n})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0], want) {
		t.Errorf("colash %v\nPyTorch %v", got[0], want)
	}
}
