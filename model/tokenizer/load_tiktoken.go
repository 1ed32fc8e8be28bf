package tokenizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
)

// LoadTiktoken loads a Llama-3 tokenizer from a tiktoken rank file (one
// "base64(token) rank" line per token, ranks 0..n-1). The 256 Llama-3.1
// special tokens get ids n..n+255.
func LoadTiktoken(path string) (*BPE, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	base, err := parseTiktokenRanks(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	var specials []specialToken
	for i, name := range Llama3SpecialTokens() {
		specials = append(specials, specialToken{name, len(base) + i})
	}
	t, err := newBPE(base, specials)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return t, nil
}

// parseTiktokenRanks returns the token bytes indexed by rank.
func parseTiktokenRanks(data []byte) ([][]byte, error) {
	var tokens [][]byte
	seen := 0
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		b64, rankText, ok := bytes.Cut(line, []byte{' '})
		if !ok {
			return nil, fmt.Errorf("line %d: not a tiktoken rank file (want \"base64 rank\")", lineNo)
		}
		tok := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
		n, err := base64.StdEncoding.Decode(tok, b64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("line %d: not a tiktoken rank file (bad base64 token)", lineNo)
		}
		rank, err := strconv.Atoi(string(rankText))
		if err != nil || rank < 0 || rank > 1<<24 {
			return nil, fmt.Errorf("line %d: not a tiktoken rank file (bad rank %q)", lineNo, rankText)
		}
		for len(tokens) <= rank {
			tokens = append(tokens, nil)
		}
		if tokens[rank] != nil {
			return nil, fmt.Errorf("line %d: rank %d appears twice", lineNo, rank)
		}
		tokens[rank] = tok[:n]
		seen++
	}
	if seen == 0 {
		return nil, fmt.Errorf("empty tiktoken rank file")
	}
	if seen != len(tokens) {
		return nil, fmt.Errorf("ranks are not contiguous: %d tokens, highest rank %d", seen, len(tokens)-1)
	}
	return tokens, nil
}
