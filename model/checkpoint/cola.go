package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"

	"colash/model/cola"
	"colash/model/safetensors"
	"colash/model/tokenizer"
)

// CoLA is a loaded CoLA model with its tokenizer.
type CoLA struct {
	*cola.Model
	Tok           tokenizer.Tokenizer
	Path          string // what was loaded
	TokenizerPath string // the tokenizer file, copied along by SaveCoLA
}

// LoadCoLA loads a CoLA folder: a Hugging Face Llama folder whose config.json has the CoLA fields
// (num_code, num_action_layer, num_dyna_layer, num_policy_layer, v) and whose safetensors hold the
// backbone and the CoLA modules. Loading is strict: a missing, unexpected or misshapen tensor is an
// error naming it, never a random initialisation.
func LoadCoLA(dir string, opt Options) (*CoLA, error) {
	cfg, err := cola.ReadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	defer c.Close()
	m, err := cola.New(cfg, opt.Device, opt.DType)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	if err := m.LoadWeights(stSource{c}); err != nil {
		m.Rope.Free()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	tokPath, tok, err := loadTokenizer(dir, opt.Tokenizer, cfg.Vocab)
	if err == nil && tok.VocabSize() > cfg.Vocab {
		err = fmt.Errorf("tokenizer %s has %d tokens but the model only %d", tokPath, tok.VocabSize(), cfg.Vocab)
	}
	if err != nil {
		m.Free()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return &CoLA{Model: m, Tok: tok, Path: dir, TokenizerPath: tokPath}, nil
}

// WrapCoLA puts a loaded Llama into fresh CoLA modules of the given sizes, initialised from seed
// (weights.Init). The Llama is taken over: free the result, not l.
func WrapCoLA(l *Llama, mod cola.Modules, seed uint64) (*CoLA, error) {
	m, err := cola.Wrap(l.Model, mod)
	if err != nil {
		return nil, err
	}
	if err := m.InitModules(seed); err != nil {
		return nil, err
	}
	return &CoLA{Model: m, Tok: l.Tok, Path: l.Path, TokenizerPath: l.TokenizerPath}, nil
}

// SaveCoLA writes m in the released layout: config.json with the CoLA fields, the backbone and
// module tensors in safetensors (sharded when opt.ShardBytes is set), and the tokenizer file.
func SaveCoLA(m *CoLA, dir string, opt SaveOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	cfg := *m.Config
	cfg.Architectures = []string{cola.Architecture}
	cfg.TorchDType = StoredDType(opt.DType)
	if err := WriteJSON(filepath.Join(dir, "config.json"), &cfg); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	if err := saveParams(m.Params(), dir, opt); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	return copyTokenizer(m.TokenizerPath, dir)
}
