package checkpoint

import (
	"fmt"
	"os"

	"github.com/sugarme/gotch"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tokenizer"
)

// Model is a loaded checkpoint with its tokenizer: a plain Llama, or a CoLA model, whose
// backbone is then Llama. Every command and script loads through Open, so the question "Llama or
// CoLA?" is answered here once.
type Model struct {
	Llama         *llama.Model // the plain model, or the CoLA's backbone
	CoLA          *cola.Model  // nil for a plain Llama
	Tok           tokenizer.Tokenizer
	Path          string // what was loaded
	TokenizerPath string // the tokenizer file, copied along by Save
}

// Open loads the checkpoint at path: a CoLA folder (config.json with the CoLA fields), a
// Hugging Face Llama folder (or its model.safetensors), or a llama2.c .bin file.
func Open(path string, opt Options) (*Model, error) {
	opt = opt.WithDefaults()
	if st, err := os.Stat(path); err == nil && st.IsDir() && cola.IsCoLA(path) {
		return loadCoLA(path, opt)
	}
	return loadLlama(path, opt)
}

// OpenCoLA loads a CoLA checkpoint. A plain Llama is wrapped in fresh modules of the sizes in
// wrap, initialised from seed (weights.Init), when wrap is given, and is an error otherwise.
func OpenCoLA(path string, opt Options, wrap *cola.Modules, seed uint64) (*Model, error) {
	m, err := Open(path, opt)
	if err != nil || m.CoLA != nil {
		return m, err
	}
	if wrap == nil {
		m.Free()
		return nil, fmt.Errorf("%s is a plain Llama, not a CoLA checkpoint (colash init-cola wraps one in fresh CoLA modules)", path)
	}
	if err := m.WrapCoLA(*wrap, seed); err != nil {
		m.Free()
		return nil, err
	}
	return m, nil
}

// WrapCoLA puts a plain Llama into fresh CoLA modules of the given sizes, initialised from seed.
func (m *Model) WrapCoLA(mod cola.Modules, seed uint64) error {
	if m.CoLA != nil {
		return fmt.Errorf("%s is already a CoLA model", m.Path)
	}
	c, err := cola.Wrap(m.Llama, mod)
	if err != nil {
		return err
	}
	if err := c.InitModules(seed); err != nil {
		return err
	}
	m.CoLA = c
	return nil
}

// Kind is "cola" or "llama".
func (m *Model) Kind() string {
	if m.CoLA != nil {
		return "cola"
	}
	return "llama"
}

// Device is where the weights live.
func (m *Model) Device() gotch.Device { return m.Llama.Device }

// DType is the weights' compute dtype.
func (m *Model) DType() gotch.DType { return m.Llama.DType }

// NumParams counts every weight (backbone and CoLA modules).
func (m *Model) NumParams() int64 {
	if m.CoLA != nil {
		return m.CoLA.NumParams()
	}
	return m.Llama.NumParams()
}

func (m *Model) String() string {
	if m.CoLA != nil {
		return m.CoLA.String()
	}
	return m.Llama.String()
}

// Free releases the model.
func (m *Model) Free() {
	if m.CoLA != nil {
		m.CoLA.Free()
	} else if m.Llama != nil {
		m.Llama.Free()
	}
	m.CoLA, m.Llama = nil, nil
}
