package generate

import (
	"context"

	"colash/model/tokenizer"
)

// Continue generates from one prompt and, if onText is set, passes it the decoded text of each
// new token as soon as it is complete UTF-8 (the decoder sees the prompt first, so the first new
// piece is spaced as it is in the whole text). A stop token ends the text without being shown:
// "<|end_of_text|>" is not text the model wrote. It returns the new tokens (the stop token
// included); opt.Stop defaults to the tokenizer's stop tokens.
func Continue(ctx context.Context, sess Session, tok tokenizer.Tokenizer, prompt []int, opt Options, onText func(string)) ([]int, error) {
	if opt.Stop == nil {
		opt.Stop = tok.StopTokens()
	}
	if onText != nil {
		dec := tokenizer.NewStreamDecoder(tok)
		for _, id := range prompt {
			dec.Push(id)
		}
		stop := map[int]bool{}
		for _, id := range opt.Stop {
			stop[id] = true
		}
		onToken := opt.OnToken
		opt.OnToken = func(seq, id int) {
			if !stop[id] {
				onText(dec.Push(id))
			}
			if onToken != nil {
				onToken(seq, id)
			}
		}
		defer func() { onText(dec.Flush()) }()
	}
	out, err := Generate(ctx, sess, [][]int{prompt}, opt)
	if len(out) == 0 {
		return nil, err
	}
	return out[0], err
}
