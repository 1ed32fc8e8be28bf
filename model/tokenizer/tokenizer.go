// Package tokenizer turns text into model token ids and back.
//
// It provides the Llama-3 byte-level BPE tokenizer (loaded from a tiktoken
// rank file or a Hugging Face tokenizer.json), the llama2.c tokenizer used by
// small TinyStories checkpoints, a streaming decoder for printing tokens as
// they are generated, and the prompt templates used by recipes.
package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// Tokenizer is the interface shared by all tokenizers in this package.
type Tokenizer interface {
	// Encode tokenizes text. Special-token strings in text are encoded as plain text unless opts.AllowSpecial.
	Encode(text string, opts EncodeOptions) []int
	// Decode turns ids into text; invalid UTF-8 byte sequences become U+FFFD.
	Decode(ids []int) string
	// TokenBytes returns the raw bytes of one token (nil for an out-of-range id).
	TokenBytes(id int) []byte
	VocabSize() int
	BOS() int // -1 if none
	EOS() int // -1 if none; for Llama-3 this is <|end_of_text|> 128001
	// StopTokens are the ids that end generation (Llama-3: 128001, 128008 <|eom_id|>, 128009 <|eot_id|>).
	StopTokens() []int
}

// EncodeOptions controls Encode.
type EncodeOptions struct {
	BOS          bool // prepend the BOS id (if the tokenizer has one)
	EOS          bool // append the EOS id (if the tokenizer has one)
	AllowSpecial bool // encode special-token text such as "<|eot_id|>" as its special id
}

var (
	_ Tokenizer = (*BPE)(nil)
	_ Tokenizer = (*Llama2C)(nil)
)

// pieceDecoder is implemented by tokenizers whose printed text for a token
// depends on the token before it (llama2.c drops the space after BOS).
type pieceDecoder interface {
	decodePiece(prev, id int) []byte
}

// toValidUTF8 returns b as a string, replacing every byte that does not start
// a valid UTF-8 sequence with U+FFFD, exactly as converting the bytes to
// []rune does (one U+FFFD per offending byte).
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}

// LineStops are StopTokens and, when one token encodes "\n" alone, that token: what an agent
// that acts a line at a time stops generating at.
func LineStops(tok Tokenizer) []int {
	stops := tok.StopTokens()
	if ids := tok.Encode("\n", EncodeOptions{}); len(ids) == 1 {
		stops = append(stops[:len(stops):len(stops)], ids[0])
	}
	return stops
}
