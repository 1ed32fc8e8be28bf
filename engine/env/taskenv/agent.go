package taskenv

import (
	"context"
	"strings"

	"colash/engine/env"
	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// ModelAgent is an agent that continues the transcript with m (a CoLA through its policy and
// world model, sampling codes as latent says; a Llama token by token), stopping at opt's stop
// tokens or opt.MaxTokens, or at the end of the first line when line is set.
func ModelAgent(m *checkpoint.Model, latent generate.Sampling, opt generate.Options, line bool) env.Agent {
	return func(ctx context.Context, transcript string) (string, error) {
		prompt := m.Tok.Encode(transcript, tokenizer.EncodeOptions{BOS: true})
		sess := generate.NewSession(m, len(prompt)+opt.MaxTokens+1, latent)
		defer sess.Close()
		var text strings.Builder // decoded after the prompt, so the first piece keeps its space
		_, err := generate.Continue(ctx, sess, m.Tok, prompt, opt, func(s string) { text.WriteString(s) })
		out := text.String()
		if line {
			out, _, _ = strings.Cut(out, "\n")
		}
		return out, err
	}
}
