package rm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"colash/model/checkpoint"
)

// A reward model's folder is the backbone as a Hugging Face Llama folder (config.json,
// model.safetensors, the tokenizer: checkpoint.Save's layout, loadable by anything that loads a
// Llama) plus the head and what the head needs:
const (
	HeadFile = "score.safetensors" // the head.Head "score": score.weight [1,d], score.bias [1], float32
	InfoFile = "reward_model.json" // Info
)

// Info is reward_model.json: it marks the folder as a reward model.
type Info struct {
	Format string `json:"format"`  // "colash-reward-model"
	MaxLen int    `json:"max_len"` // tokens per prompt + response
	Dim    int    `json:"dim"`     // the head's input width
	Domain string `json:"domain,omitempty"`
}

const format = "colash-reward-model"

// Save writes the model into dir (float32 weights); domain is recorded for the reader.
func (m *Model) Save(dir, domain string) error {
	bb := *m.Model
	bb.CoLA = nil
	if err := bb.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		return err
	}
	if err := m.Head.Save(filepath.Join(dir, HeadFile)); err != nil {
		return fmt.Errorf("rm: save head: %w", err)
	}
	return checkpoint.WriteJSON(filepath.Join(dir, InfoFile), Info{Format: format, MaxLen: m.MaxLen, Dim: m.Llama.Config.Dim, Domain: domain})
}

// Load reads a reward model folder written by Save onto the device and dtype of opt.
func Load(dir string, opt checkpoint.Options) (*Model, *Info, error) {
	b, err := os.ReadFile(filepath.Join(dir, InfoFile))
	if err != nil {
		return nil, nil, fmt.Errorf("rm: %s is not a reward model folder (no %s; a recipe's rm stage writes one into OUT/<stage>/model): %w", dir, InfoFile, err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil || info.Format != format {
		return nil, nil, fmt.Errorf("rm: %s: not a %s file (%v)", filepath.Join(dir, InfoFile), format, err)
	}
	bb, err := checkpoint.Open(dir, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("rm: backbone: %w", err)
	}
	if bb.Llama.Config.Dim != info.Dim {
		bb.Free()
		return nil, nil, fmt.Errorf("rm: %s: the head reads width %d, the backbone is %d wide", dir, info.Dim, bb.Llama.Config.Dim)
	}
	m, err := New(bb, info.MaxLen, 0)
	if err != nil {
		bb.Free()
		return nil, nil, err
	}
	if err := m.Head.Load(filepath.Join(dir, HeadFile)); err != nil {
		m.Free()
		return nil, nil, fmt.Errorf("rm: head: %w", err)
	}
	return m, &info, nil
}
