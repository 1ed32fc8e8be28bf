package eval

import (
	"context"

	"colash/engine/generate"
	"colash/model/tokenizer"
)

// ModelGenerator runs the harness on a model: each prompt is encoded with BOS, continued by a
// decoding session, and the new tokens decoded. The k samples of a prompt are rows of one
// batch, each with its own seeded stream.
type ModelGenerator struct {
	NewSession func(capacity int) generate.Session
	Tok        tokenizer.Tokenizer
	Options    generate.Options // MaxTokens, Stop (default: the tokenizer's), Sampling
}

func (g *ModelGenerator) Generate(ctx context.Context, prompts []string, k int) ([][]string, error) {
	var batch [][]int
	longest := 0
	for _, p := range prompts {
		ids := g.Tok.Encode(p, tokenizer.EncodeOptions{BOS: true})
		longest = max(longest, len(ids))
		for i := 0; i < k; i++ {
			batch = append(batch, ids)
		}
	}
	opt := g.Options
	if opt.Stop == nil {
		opt.Stop = g.Tok.StopTokens()
	}
	sess := g.NewSession(longest + opt.MaxTokens)
	defer sess.Close()
	out, err := generate.Generate(ctx, sess, batch, opt)
	if err != nil {
		return nil, err
	}
	stop := map[int]bool{}
	for _, s := range opt.Stop {
		stop[s] = true
	}
	res := make([][]string, len(prompts))
	for i := range prompts {
		for j := 0; j < k; j++ {
			ids := out[i*k+j]
			if n := len(ids); n > 0 && stop[ids[n-1]] {
				ids = ids[:n-1]
			}
			res[i] = append(res[i], g.Tok.Decode(ids))
		}
	}
	return res, nil
}
