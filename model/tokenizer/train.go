package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// TrainBPE learns a byte-level BPE vocabulary of vocab ids from texts, written as a Hugging Face
// tokenizer.json by WriteHFJSON and read back by LoadHFJSON. Ids 0..255 are the single bytes,
// then one id per learned merge in the order learned (so an id is its merge rank, as the loader
// assumes), then <|begin_of_text|> and <|end_of_text|>: vocab = 256 + merges + 2, and
// vocab = 258 is a byte-level (character) tokenizer with no merges.
//
// Text is pre-split by the Llama-3 pattern, as Encode splits it. No merge involves a digit, so
// every number is read digit by digit: the model sees 1234 as 1, 2, 3, 4, which is what written
// arithmetic needs (column by column) and what the Llama-3 pattern's groups of three are not.
func TrainBPE(texts []string, vocab int) (*BPE, [][2][]byte, error) {
	const specials = 2
	if vocab < 256+specials {
		return nil, nil, fmt.Errorf("tokenizer: vocab %d is below the 256 bytes and 2 special tokens", vocab)
	}
	counts := map[string]int{}
	for _, t := range texts {
		splitLlama3(t, func(p string) { counts[p]++ })
	}
	words := make([]bpeWord, 0, len(counts))
	for p, n := range counts {
		w := bpeWord{n: n}
		for i := 0; i < len(p); i++ {
			w.toks = append(w.toks, p[i:i+1])
		}
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool { return joined(words[i].toks) < joined(words[j].toks) })
	base := make([][]byte, 256, vocab-specials)
	for b := range base {
		base[b] = []byte{byte(b)}
	}
	var merges [][2][]byte
	for len(base) < vocab-specials {
		a, b, ok := bestPair(words)
		if !ok {
			break // every piece is one token already
		}
		merges = append(merges, [2][]byte{[]byte(a), []byte(b)})
		base = append(base, []byte(a+b))
		for i := range words {
			words[i].merge(a, b)
		}
	}
	t, err := newBPE(base, []specialToken{{"<|begin_of_text|>", len(base)}, {"<|end_of_text|>", len(base) + 1}})
	return t, merges, err
}

// bpeWord is one distinct pre-split piece, as its current tokens, and how often it occurs.
type bpeWord struct {
	toks []string
	n    int
}

func joined(toks []string) string {
	var b bytes.Buffer
	for _, t := range toks {
		b.WriteString(t)
	}
	return b.String()
}

// bestPair is the most frequent adjacent pair without a digit (ties: the smaller pair, so that
// training is deterministic).
func bestPair(words []bpeWord) (string, string, bool) {
	type pair struct{ a, b string }
	freq := map[pair]int{}
	for _, w := range words {
		for i := 0; i+1 < len(w.toks); i++ {
			if hasDigit(w.toks[i]) || hasDigit(w.toks[i+1]) {
				continue
			}
			freq[pair{w.toks[i], w.toks[i+1]}] += w.n
		}
	}
	var best pair
	bestN := 0
	for p, n := range freq {
		if n > bestN || n == bestN && (p.a < best.a || p.a == best.a && p.b < best.b) {
			best, bestN = p, n
		}
	}
	return best.a, best.b, bestN > 0
}

func (w *bpeWord) merge(a, b string) {
	out := w.toks[:0]
	for i := 0; i < len(w.toks); i++ {
		if i+1 < len(w.toks) && w.toks[i] == a && w.toks[i+1] == b {
			out = append(out, a+b)
			i++
			continue
		}
		out = append(out, w.toks[i])
	}
	w.toks = out
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// WriteHFJSON writes t (trained by TrainBPE, with its merges) as a Hugging Face tokenizer.json:
// byte-level BPE behind the Llama-3 split, the form Llama-3 checkpoints ship.
func WriteHFJSON(path string, t *BPE, merges [][2][]byte) error {
	toUnicode := map[byte]rune{}
	for r, b := range gpt2UnicodeToByte() {
		toUnicode[b] = r
	}
	enc := func(b []byte) string {
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = toUnicode[c]
		}
		return string(rs)
	}
	type added struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	vocab := map[string]int{}
	var specials []added
	for id, b := range t.tokens {
		if _, ok := t.ranks[string(b)]; ok {
			vocab[enc(b)] = id
		} else {
			specials = append(specials, added{id, string(b), true})
		}
	}
	ms := make([]string, len(merges))
	for i, m := range merges {
		ms[i] = enc(m[0]) + " " + enc(m[1])
	}
	f := map[string]any{
		"version":      "1.0",
		"added_tokens": specials,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]string{"Regex": Llama3Pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}},
		"decoder": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model":   map[string]any{"type": "BPE", "vocab": vocab, "merges": ms, "ignore_merges": false},
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	return nil
}
