package generate

import (
	"os"

	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tokenizer"
)

// Model is a loaded checkpoint ready to decode: a plain Llama or a CoLA (exactly one is set).
type Model struct {
	Llama *checkpoint.Llama
	CoLA  *checkpoint.CoLA
	Tok   tokenizer.Tokenizer
}

// Open loads the checkpoint at path, as CoLA when its config.json has the CoLA fields.
func Open(path string, opt checkpoint.Options) (*Model, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() && cola.IsCoLA(path) {
		c, err := checkpoint.LoadCoLA(path, opt)
		if err != nil {
			return nil, err
		}
		return &Model{CoLA: c, Tok: c.Tok}, nil
	}
	l, err := checkpoint.LoadLlama(path, opt)
	if err != nil {
		return nil, err
	}
	return &Model{Llama: l, Tok: l.Tok}, nil
}

// Session opens a decoding session; latent is how a CoLA samples its codes.
func (m *Model) Session(capacity int, latent Sampling) Session {
	if m.CoLA != nil {
		return NewCoLASession(m.CoLA.Model, capacity, latent)
	}
	return NewLlamaSession(m.Llama.Model, capacity, false)
}

func (m *Model) String() string {
	if m.CoLA != nil {
		return m.CoLA.Model.String()
	}
	return m.Llama.Model.String()
}

// Free releases the model.
func (m *Model) Free() {
	if m.CoLA != nil {
		m.CoLA.Free()
	} else {
		m.Llama.Free()
	}
}
