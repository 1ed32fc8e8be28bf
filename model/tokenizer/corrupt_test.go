package tokenizer

import (
	"encoding/binary"
	"testing"
)

// FuzzParsers feeds arbitrary bytes to every file parser: errors are fine,
// panics are not, and whatever loads must encode and decode safely.
func FuzzParsers(f *testing.F) {
	f.Add([]byte("IQ== 0\nIg== 1\n"))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0}},"added_tokens":[{"id":5,"content":"<x>"}]}`))
	small := binary.LittleEndian.AppendUint32(nil, 7)
	for i := 0; i < 5; i++ {
		small = binary.LittleEndian.AppendUint32(small, 0)
		small = binary.LittleEndian.AppendUint32(small, 1)
		small = append(small, byte('a'+i))
	}
	f.Add(small)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var toks []Tokenizer
		if ranks, err := parseTiktokenRanks(data); err == nil {
			if tok, err := newBPE(ranks, nil); err == nil {
				toks = append(toks, tok)
			}
		}
		if tok, err := parseHFJSON(data); err == nil {
			toks = append(toks, tok)
		}
		if tok, err := parseLlama2C(data, 0); err == nil {
			toks = append(toks, tok)
		}
		for _, tok := range toks {
			ids := tok.Encode("Hi <x> a\xff", EncodeOptions{BOS: true, EOS: true, AllowSpecial: true})
			_ = tok.Decode(append(ids, -1, tok.VocabSize()))
		}
	})
}
