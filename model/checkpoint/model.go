package checkpoint

import (
	"fmt"
	"path/filepath"

	"github.com/sugarme/gotch"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tokenizer"
)

// Model is a loaded checkpoint with its tokenizer: a plain Llama, or a CoLA model, whose
// backbone is then Llama. Every command and script loads through Open, so the question "Llama or
// CoLA?" is answered here once, by the registered architecture Open finds (registry.go).
type Model struct {
	Llama         *llama.Model // the plain model, or the CoLA's backbone
	CoLA          *cola.Model  // nil for a plain Llama
	Tok           tokenizer.Tokenizer
	Path          string // what was loaded
	TokenizerPath string // the tokenizer file, copied along by Save
	// Base is the CoLA a policy checkpoint was loaded over (arch_policy.go): a shipped model's
	// name or an absolute folder; "" for every other checkpoint.
	Base string
	arch Arch // nil: a plain Llama (a Model built by hand around a bare Llama)
}

// Open loads the checkpoint at path, a folder or a file, as the registered architecture it is:
// a CoLA folder (IntentionForCausalLM), a Hugging Face Llama folder or a llama2.c .bin file.
func Open(path string, opt Options) (*Model, error) {
	opt = opt.WithDefaults()
	p, a, err := recognise(path)
	if err != nil {
		return nil, err
	}
	m, err := a.Load(path, opt)
	if err != nil {
		return nil, err
	}
	m.arch = a
	dir := path
	if !p.Dir {
		dir = filepath.Dir(path)
	}
	vocab := m.Llama.Config.Vocab
	tokPath, tok, err := loadTokenizer(dir, opt.Tokenizer, vocab)
	if err == nil && tok.VocabSize() > vocab {
		err = fmt.Errorf("tokenizer %s has %d tokens but the model only %d", tokPath, tok.VocabSize(), vocab)
	}
	if err != nil {
		m.Free()
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	m.Tok, m.TokenizerPath = tok, tokPath
	return m, nil
}

// architecture is m's registered architecture.
func (m *Model) architecture() Arch {
	if m.arch == nil {
		return llamaArch{}
	}
	return m.arch
}

// Kind is KindCoLA or KindLlama.
func (m *Model) Kind() string { return m.architecture().Kind() }

// Device is where the weights live.
func (m *Model) Device() gotch.Device { return m.Llama.Device }

// DType is the weights' compute dtype.
func (m *Model) DType() gotch.DType { return m.Llama.DType }

// NumParams counts every weight (backbone and CoLA modules).
func (m *Model) NumParams() int64 { return m.architecture().Net(m).NumParams() }

func (m *Model) String() string { return m.architecture().Net(m).String() }

// HookNames lists the model's hook points: the backbone's and, for a CoLA, its modules'.
func (m *Model) HookNames() []string { return m.architecture().Net(m).HookNames() }

// Free releases the model; a second Free does nothing.
func (m *Model) Free() {
	if m.Llama != nil {
		m.architecture().Net(m).Free()
	}
	m.CoLA, m.Llama = nil, nil
}
