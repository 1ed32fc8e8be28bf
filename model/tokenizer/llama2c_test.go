package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLlama2CKnownIDs(t *testing.T) {
	tok := storiesTok(t)
	if tok.VocabSize() != 512 || tok.BOS() != 1 || tok.EOS() != 2 || !slices.Equal(tok.StopTokens(), []int{2}) {
		t.Fatalf("vocab %d bos %d eos %d stop %v", tok.VocabSize(), tok.BOS(), tok.EOS(), tok.StopTokens())
	}
	cases := []struct {
		text   string
		opts   EncodeOptions
		pieces []string // expected vocabulary pieces, after the optional BOS
	}{
		// Every word is one piece with the dummy-prefix space glued on.
		{"Once upon a time", EncodeOptions{BOS: true}, []string{" Once", " upon", " a", " time"}},
		{"Hello", EncodeOptions{}, []string{" He", "ll", "o"}},
		// "é" is a vocabulary piece; the emoji is not and falls back to bytes.
		{"héllo 🦙", EncodeOptions{}, []string{" h", "é", "ll", "o", " ", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"}},
		{"", EncodeOptions{BOS: true, EOS: true}, nil},
	}
	for _, c := range cases {
		ids := tok.Encode(c.text, c.opts)
		if c.opts.BOS {
			if len(ids) == 0 || ids[0] != 1 {
				t.Fatalf("%q: %v does not start with BOS", c.text, ids)
			}
			ids = ids[1:]
		}
		if c.opts.EOS {
			if len(ids) == 0 || ids[len(ids)-1] != 2 {
				t.Fatalf("%q: %v does not end with EOS", c.text, ids)
			}
			ids = ids[:len(ids)-1]
		}
		var got []string
		for _, id := range ids {
			got = append(got, tok.Piece(id))
		}
		if !slices.Equal(got, c.pieces) {
			t.Errorf("%q: pieces %q, want %q", c.text, got, c.pieces)
		}
	}
	if got := tok.Encode("Once upon a time", EncodeOptions{BOS: true}); !slices.Equal(got, []int{1, 403, 407, 261, 378}) {
		t.Errorf("ids %v", got)
	}
}

func TestLlama2CRoundTrip(t *testing.T) {
	tok := storiesTok(t)
	story := readFileText(t, filepath.Join(stories260K, "expected_greedy_200.txt"))
	texts := append(strings.Split(strings.TrimSpace(story), "\n"), "héllo 🦙 wörld", "a", " two  spaces", "tab\there")
	for _, text := range texts {
		for _, opts := range []EncodeOptions{{}, {BOS: true}, {BOS: true, EOS: true}} {
			ids := tok.Encode(text, opts)
			if got := tok.Decode(ids); got != text {
				t.Errorf("%q %+v: decoded %q", text, opts, got)
			}
			assertNoMergeLeft(t, tok, ids)
		}
	}
}

// assertNoMergeLeft checks the end state of the greedy merge: no adjacent
// pair of ordinary pieces concatenates to a vocabulary piece.
func assertNoMergeLeft(t *testing.T, tok *Llama2C, ids []int) {
	t.Helper()
	for k := 0; k+1 < len(ids); k++ {
		if ids[k] <= 2 || ids[k+1] <= 2 {
			continue
		}
		if id, ok := tok.lookup[tok.Piece(ids[k])+tok.Piece(ids[k+1])]; ok {
			t.Errorf("pieces %q and %q could still merge into %d", tok.Piece(ids[k]), tok.Piece(ids[k+1]), id)
		}
	}
}

func TestLlama2CStreamAfterBOS(t *testing.T) {
	tok := storiesTok(t)
	text := "Lily saw a big 🦙."
	ids := tok.Encode(text, EncodeOptions{BOS: true})
	d := NewStreamDecoder(tok)
	var sb strings.Builder
	for _, id := range ids {
		sb.WriteString(d.Push(id))
	}
	sb.WriteString(d.Flush())
	if sb.String() != text {
		t.Errorf("stream after BOS = %q, want %q", sb.String(), text)
	}
	// A continuation keeps its leading space: the prompt came before it.
	d = NewStreamDecoder(tok)
	if got := d.Push(ids[2]); got != " saw" {
		t.Errorf("continuation = %q, want %q", got, " saw")
	}
}

func TestLlama2CCorrupt(t *testing.T) {
	needFile(t, llama2cVocab)
	good, err := os.ReadFile(llama2cVocab)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":          nil,
		"truncated":      good[:len(good)-3],
		"zero max len":   append([]byte{0, 0, 0, 0}, good[4:]...),
		"negative len":   append(slices.Clone(good[:8]), 0xff, 0xff, 0xff, 0xff),
		"huge len":       append(slices.Clone(good[:8]), 0xff, 0xff, 0xff, 0x7f),
		"only two items": good[:4+2*(8+1)],
	}
	dir := t.TempDir()
	for name, data := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadLlama2C(path, 0); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want an error naming the path", name, err)
		}
	}
	if _, err := LoadLlama2C(llama2cVocab, 600); err == nil {
		t.Error("asking for more tokens than the file holds should fail")
	}
	if tok, err := LoadLlama2C(llama2cVocab, 300); err != nil || tok.VocabSize() != 300 {
		t.Errorf("vocabSize 300: %v", err)
	}
}
