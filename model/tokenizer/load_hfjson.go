package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
)

// hfTokenizerFile holds the parts of a Hugging Face tokenizer.json we use.
type hfTokenizerFile struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type  string         `json:"type"`
		Vocab map[string]int `json:"vocab"`
	} `json:"model"`
}

// llama31Aliases are Llama-3.1 names that older Llama-3 tokenizer.json files
// list as reserved tokens; they are accepted as extra names for those ids.
var llama31Aliases = []specialToken{
	{"<|finetune_right_pad_id|>", 128004}, {"<|step_id|>", 128005},
	{"<|eom_id|>", 128008}, {"<|python_tag|>", 128010}, {"<|image|>", 128011},
}

// LoadHFJSON loads a byte-level BPE tokenizer with the Llama-3 pre-tokenizer
// from a Hugging Face tokenizer.json. Its added_tokens become the special
// tokens (Decode prints their names as given in the file). Token ids serve as
// merge ranks, as in tiktoken, which the Llama-3 merges list is derived from.
// For the Llama-3 vocabulary the Llama-3.1 role names (<|eom_id|>,
// <|python_tag|>, ...) are also accepted with AllowSpecial, so both loaders
// give identical ids.
func LoadHFJSON(path string) (*BPE, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parseHFJSON(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return t, nil
}

func parseHFJSON(data []byte) (*BPE, error) {
	var f hfTokenizerFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a tokenizer.json: %w", err)
	}
	if f.Model.Type != "BPE" {
		return nil, fmt.Errorf("model type %q is not supported (want BPE)", f.Model.Type)
	}
	if !usesLlama3Pattern(f.PreTokenizer) {
		return nil, fmt.Errorf("pre-tokenizer is not a split by the Llama-3 pattern")
	}
	added := make(map[int]bool, len(f.AddedTokens))
	for _, a := range f.AddedTokens {
		added[a.ID] = true
	}
	byteOf := gpt2UnicodeToByte()
	base := make([][]byte, len(f.Model.Vocab))
	for text, id := range f.Model.Vocab {
		if added[id] {
			continue
		}
		if id < 0 || id >= len(base) || base[id] != nil {
			return nil, fmt.Errorf("vocab ids are not 0..%d without repeats (id %d)", len(base)-1, id)
		}
		tok := make([]byte, 0, len(text))
		for _, r := range text {
			b, ok := byteOf[r]
			if !ok {
				return nil, fmt.Errorf("vocab entry %q is not byte-level (GPT-2 alphabet)", text)
			}
			tok = append(tok, b)
		}
		base[id] = tok
	}
	// Added tokens that also appear in the vocab leave gaps at the end only.
	for len(base) > 0 && base[len(base)-1] == nil {
		base = base[:len(base)-1]
	}
	for id, b := range base {
		if b == nil {
			return nil, fmt.Errorf("vocab has no token with id %d", id)
		}
	}
	var specials []specialToken
	for _, a := range f.AddedTokens {
		specials = append(specials, specialToken{a.Content, a.ID})
	}
	if len(base) == 128000 && len(f.AddedTokens) == 256 {
		specials = append(specials, llama31Aliases...)
	}
	return newBPE(base, specials)
}

// usesLlama3Pattern reports whether the pre-tokenizer splits by the Llama-3
// pattern: some "Regex" value nested in it must equal Llama3Pattern.
func usesLlama3Pattern(raw json.RawMessage) bool {
	var tree any
	if json.Unmarshal(raw, &tree) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if s, ok := child.(string); ok && k == "Regex" && s == Llama3Pattern {
					return true
				}
				if walk(child) {
					return true
				}
			}
		case []any:
			for _, child := range v {
				if walk(child) {
					return true
				}
			}
		}
		return false
	}
	return walk(tree)
}

// gpt2UnicodeToByte inverts the GPT-2 byte-to-unicode table: printable
// Latin-1 bytes map to themselves, the rest to U+0100 upwards in byte order.
func gpt2UnicodeToByte() map[rune]byte {
	m := make(map[rune]byte, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if printable {
			m[rune(b)] = byte(b)
		} else {
			m[next] = byte(b)
			next++
		}
	}
	return m
}
