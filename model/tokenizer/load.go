package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Load picks the tokenizer a checkpoint folder holds, in this order:
// tokenizer.model (a tiktoken rank file; SentencePiece models are not
// supported), tokenizer.json (Hugging Face), tokenizer.bin (llama2.c; the
// vocabulary size comes from config.json's vocab_size if present, else from
// the token count of the file).
func Load(dir string) (Tokenizer, error) {
	if path := filepath.Join(dir, "tokenizer.model"); exists(path) {
		t, err := LoadTiktoken(path)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	if path := filepath.Join(dir, "tokenizer.json"); exists(path) {
		t, err := LoadHFJSON(path)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	if path := filepath.Join(dir, "tokenizer.bin"); exists(path) {
		vocabSize, err := configVocabSize(filepath.Join(dir, "config.json"))
		if err != nil {
			return nil, err
		}
		t, err := LoadLlama2C(path, vocabSize)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, fmt.Errorf("tokenizer: %s holds no tokenizer.model, tokenizer.json or tokenizer.bin", dir)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// configVocabSize reads vocab_size from a config.json; 0 when the file or
// the field is absent.
func configVocabSize(path string) (int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("tokenizer: %w", err)
	}
	var cfg struct {
		VocabSize int `json:"vocab_size"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return 0, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	if cfg.VocabSize < 0 {
		return 0, fmt.Errorf("tokenizer: %s: negative vocab_size %d", path, cfg.VocabSize)
	}
	return cfg.VocabSize, nil
}

// LoadFile loads one tokenizer file by its kind: tokenizer.json (Hugging Face), a tiktoken
// .model rank file, or else a llama2.c .bin file of vocab tokens (0: as many as the file has).
func LoadFile(path string, vocab int) (Tokenizer, error) {
	switch filepath.Ext(path) {
	case ".json":
		return LoadHFJSON(path)
	case ".model":
		return LoadTiktoken(path)
	}
	return LoadLlama2C(path, vocab)
}
