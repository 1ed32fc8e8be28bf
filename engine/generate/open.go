package generate

import "colash/model/checkpoint"

// NewSession opens a decoding session on a loaded checkpoint: a CoLA decodes through its policy
// and world model (latent is how it samples codes), a plain Llama token by token.
func NewSession(m *checkpoint.Model, capacity int, latent Sampling) Session {
	if m.CoLA != nil {
		return NewCoLASession(m.CoLA, capacity, latent)
	}
	return NewLlamaSession(m.Llama, capacity, false)
}
