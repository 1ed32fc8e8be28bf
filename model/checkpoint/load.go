package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"

	"colash/model/llama"
	"colash/model/llama2c"
	"colash/model/safetensors"
	"colash/model/tokenizer"
	"colash/model/weights"
)

// Options choose where and how a model is loaded.
// The zero Options loads on the CPU in float32.
type Options struct {
	Device    gotch.Device
	DType     gotch.DType // compute dtype; weights stored in another float type are cast
	Tokenizer string      // tokenizer file or folder; "" = the one beside the checkpoint
}

// withDefaults fills the zero device (which gotch does not know) with the CPU and the zero dtype
// (gotch's Uint8, never a compute dtype) with float32.
func (o Options) withDefaults() Options {
	if o.Device.Name == "" {
		o.Device = gotch.CPU
	}
	if o.DType == gotch.Uint8 {
		o.DType = gotch.Float
	}
	return o
}

// loadLlama loads a llama2.c .bin file or a Hugging Face folder (or its model.safetensors).
func loadLlama(path string, opt Options) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	var (
		cfg *llama.Config
		src weights.Source
		dir = path
	)
	switch {
	case st.IsDir():
		if cfg, err = llama.ReadConfig(path); err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		c, err := safetensors.OpenDir(path)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		defer c.Close()
		src = stSource{c}
	case strings.HasSuffix(path, ".bin"):
		dir = filepath.Dir(path)
		var mem *weights.Mem
		if cfg, mem, err = llama2c.Read(path); err != nil {
			return nil, err
		}
		src = mem
	default:
		return nil, fmt.Errorf("load %s: not a model: want a folder with config.json and safetensors, or a llama2.c .bin file", path)
	}
	m, err := llama.New(cfg, opt.Device, opt.DType)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := m.LoadWeights(src); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	tokPath, tok, err := loadTokenizer(dir, opt.Tokenizer, cfg.Vocab)
	if err != nil {
		m.Free()
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if tok.VocabSize() > cfg.Vocab {
		m.Free()
		return nil, fmt.Errorf("load %s: tokenizer %s has %d tokens but the model only %d", path, tokPath, tok.VocabSize(), cfg.Vocab)
	}
	return &Model{Llama: m, Tok: tok, Path: path, TokenizerPath: tokPath}, nil
}

// tokenizerFiles are the names a tokenizer may have beside a checkpoint, in order of preference.
var tokenizerFiles = []string{"tokenizer.model", "tokenizer.json", "tokenizer.bin"}

// loadTokenizer finds the tokenizer: the one named, else one beside the checkpoint (llama2.c
// folders call theirs tok<vocab>.bin).
func loadTokenizer(dir, named string, vocab int) (string, tokenizer.Tokenizer, error) {
	if named == "" {
		for _, n := range append(tokenizerFiles, fmt.Sprintf("tok%d.bin", vocab)) {
			if p := filepath.Join(dir, n); exists(p) {
				named = p
				break
			}
		}
		if named == "" {
			return "", nil, fmt.Errorf("no tokenizer in %s (looked for %s, tok%d.bin); name one with --tokenizer",
				dir, strings.Join(tokenizerFiles, ", "), vocab)
		}
	}
	if st, err := os.Stat(named); err == nil && st.IsDir() {
		tok, err := tokenizer.Load(named)
		return named, tok, err
	}
	var (
		tok tokenizer.Tokenizer
		err error
	)
	switch {
	case strings.HasSuffix(named, ".json"):
		tok, err = tokenizer.LoadHFJSON(named)
	case strings.HasSuffix(named, ".model"):
		tok, err = tokenizer.LoadTiktoken(named)
	default:
		tok, err = tokenizer.LoadLlama2C(named, vocab)
	}
	return named, tok, err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
