package tokenizer

import "unicode/utf8"

// StreamDecoder turns ids into text one at a time during generation. Push
// returns only complete UTF-8: the bytes of a character split across tokens
// are held back until the rest arrives. Bytes that can never form valid
// UTF-8 come out as U+FFFD, one per byte, as in Decode. Out-of-range ids are
// skipped. The concatenated output of Push and Flush equals Decode of the
// same ids, except that for llama2.c a leading space of the first id is kept
// (streamed ids usually continue a prompt); after BOS it is dropped, as
// run.c does.
type StreamDecoder struct {
	t       Tokenizer
	pending []byte
	prev    int
}

// NewStreamDecoder returns a StreamDecoder for t.
func NewStreamDecoder(t Tokenizer) *StreamDecoder {
	return &StreamDecoder{t: t, prev: -1}
}

// Push adds one id and returns the text that is now complete.
func (d *StreamDecoder) Push(id int) string {
	if id < 0 || id >= d.t.VocabSize() {
		return ""
	}
	if pd, ok := d.t.(pieceDecoder); ok {
		d.pending = append(d.pending, pd.decodePiece(d.prev, id)...)
	} else {
		d.pending = append(d.pending, d.t.TokenBytes(id)...)
	}
	d.prev = id
	cut := completePrefix(d.pending)
	out := toValidUTF8(d.pending[:cut])
	d.pending = append(d.pending[:0], d.pending[cut:]...)
	return out
}

// Flush returns whatever is held back (as U+FFFD) and resets the decoder.
func (d *StreamDecoder) Flush() string {
	out := toValidUTF8(d.pending)
	d.pending = d.pending[:0]
	d.prev = -1
	return out
}

// completePrefix returns the length of b without a trailing incomplete (but
// possibly still valid) UTF-8 sequence. A cut at a non-continuation byte
// never splits what a decoder would read as one character.
func completePrefix(b []byte) int {
	for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax+1; k-- {
		if utf8.RuneStart(b[k]) {
			if utf8.FullRune(b[k:]) {
				return len(b)
			}
			return k
		}
	}
	return len(b)
}
