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
	type entry struct {
		rank  int
		token []byte
	}
	var entries []entry
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
		if err != nil || rank < 0 {
			return nil, fmt.Errorf("line %d: not a tiktoken rank file (bad rank %q)", lineNo, rankText)
		}
		entries = append(entries, entry{rank, tok[:n]})
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("empty tiktoken rank file")
	}
	tokens := make([][]byte, len(entries))
	for _, e := range entries {
		if e.rank >= len(tokens) || tokens[e.rank] != nil {
			return nil, fmt.Errorf("ranks are not contiguous 0..%d (rank %d)", len(tokens)-1, e.rank)
		}
		tokens[e.rank] = e.token
	}
	return tokens, nil
}
