package taskenv

import (
	"context"
	"fmt"
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

// ChoiceAgent is an agent that writes the action m finds most likely after the transcript among
// those admissible returns, each read with the newline that ends its line (generate.Score): the
// protocol of ALFWorld agents that rank the environment's admissible commands. It never
// misspells a name, so what it measures is the choice alone.
func ChoiceAgent(m *checkpoint.Model, admissible func() []string) env.Agent {
	return func(ctx context.Context, transcript string) (string, error) {
		acts := admissible()
		if len(acts) == 0 {
			return "", fmt.Errorf("choice agent: the environment admits no action")
		}
		lines := make([]string, len(acts))
		for i, a := range acts {
			lines[i] = a + "\n"
		}
		lp, err := generate.Score(m, transcript, lines)
		if err != nil {
			return "", err
		}
		best := 0
		for i := range lp {
			if lp[i] > lp[best] {
				best = i
			}
		}
		return acts[best], nil
	}
}
