package checkpoint

import (
	"fmt"
	"os"

	"colash/model/llama"
	"colash/model/tokenizer"
)

// Peek reads a Hugging Face or CoLA folder's config.json and its tokenizer, without the
// weights: what a check of lengths against the model's context needs (recipe check).
func Peek(dir string) (*llama.Config, tokenizer.Tokenizer, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("peek %s: not a model folder", dir)
	}
	cfg, err := llama.ReadConfig(dir)
	if err != nil {
		return nil, nil, err
	}
	_, tok, err := loadTokenizer(dir, "", cfg.Vocab)
	if err != nil {
		return nil, nil, err
	}
	return cfg, tok, nil
}
