package colash

import (
	"fmt"

	"colash/stdlib/backend"
)

// CoLA methods. They work on models whose engine implements backend.CoLA (the latent-action
// model of model/cola); on a plain Llama they fail with a message saying so.
//
// Extension point: once model/cola and its generation session land, colash/stdlib/torch loads
// CoLA checkpoints into a type implementing backend.CoLA, and these methods need no change.
// Hooks (TransformerLens-style names such as "blocks.0.hook_resid_pre", "action.hook_code")
// belong on the same seam as further backend interfaces.

func (m *Model) cola(op string) backend.CoLA {
	c, ok := m.m.(backend.CoLA)
	if !ok {
		fail(op, fmt.Errorf("%s is a %s model, not a CoLA model (load a CoLA checkpoint)", m.name, m.m.Info().Kind))
	}
	return c
}

// IsCoLA reports whether the model has a latent-action head.
func (m *Model) IsCoLA() bool {
	_, ok := m.m.(backend.CoLA)
	return ok
}

// Codes reads the latent action code of each step of text with the inverse dynamics model.
func (m *Model) Codes(text string) []int {
	c := m.cola("codes")
	codes, err := c.Codes(backend.Context(), c.Encode(text, true))
	fail("codes", err)
	return codes
}

// NumCodes is the size of the model's action codebook.
func (m *Model) NumCodes() int { return m.cola("codes").NumCodes() }

// Steered is a generation under forced action codes.
type Steered struct {
	Result
	Codes []int // the code used at each step
}

func (s *Steered) String() string {
	return s.Result.String() + "\n" + styles.faint.Render(fmt.Sprint("codes ", s.Codes))
}

// Steer generates from prompt with the action codes forced: codes[i] is used at step i (-1 leaves
// that step to the policy; steps past the end of codes are left to the policy).
func (m *Model) Steer(prompt string, codes []int, opts ...Opts) *Steered {
	c := m.cola("steer")
	o := Opts{}
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	if o.N <= 0 {
		o.N = 64
	}
	toks, used, err := c.GenerateWithCodes(backend.Context(), c.Encode(prompt, true),
		backend.Sampling{N: o.N, Temperature: o.Temp, TopK: o.TopK, TopP: o.TopP, Seed: uint64(o.Seed)}, codes, nil)
	fail("steer", err)
	return &Steered{Result: Result{Prompt: prompt, Text: c.Decode(toks), Tokens: toks}, Codes: used}
}
