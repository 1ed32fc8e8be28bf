package checkpoint

import (
	"fmt"

	"colash/model/cola"
	"colash/model/safetensors"
)

// loadCoLA loads a CoLA folder: a Hugging Face Llama folder whose config.json has the CoLA fields
// (num_code, num_action_layer, num_dyna_layer, num_policy_layer, v) and whose safetensors hold the
// backbone and the CoLA modules. Loading is strict: a missing, unexpected or misshapen tensor is an
// error naming it, never a random initialisation.
func loadCoLA(dir string, opt Options) (*Model, error) {
	cfg, err := cola.ReadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	defer c.Close()
	dt, err := opt.dtypeFor(stSource{c}, "model.embed_tokens.weight")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	m, err := cola.New(cfg, opt.Device, dt)
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
	return &Model{Llama: m.Model, CoLA: m, Tok: tok, Path: dir, TokenizerPath: tokPath}, nil
}
