package tokenizer

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// Llama2C is the tokenizer of llama2.c checkpoints (tokenizer.bin): a
// SentencePiece-derived vocabulary with merge scores, encoded as run.c does.
// AllowSpecial has no effect: run.c has no special-token text.
type Llama2C struct {
	pieces   [][]byte // as stored in the file
	raw      [][]byte // as printed: <0xXX> pieces are their byte
	scores   []float32
	lookup   map[string]int
	maxLen   int
	spaceID  int // the dummy-prefix piece " ", -1 if absent
	bos, eos int
}

// llama2.c reserves these ids; byte b falls back to the piece <0xXX> at b+3.
const (
	llama2cBOS        = 1
	llama2cEOS        = 2
	llama2cByteOffset = 3
)

// LoadLlama2C reads a llama2.c tokenizer.bin: int32 max_token_length, then
// per token float32 score, int32 length and the bytes. With vocabSize > 0
// exactly that many tokens are read; with vocabSize <= 0 tokens are read
// until the end of the file.
func LoadLlama2C(path string, vocabSize int) (*Llama2C, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parseLlama2C(data, vocabSize)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return t, nil
}

func parseLlama2C(data []byte, vocabSize int) (*Llama2C, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("not a llama2.c tokenizer: %d bytes", len(data))
	}
	t := &Llama2C{
		lookup:  make(map[string]int),
		maxLen:  int(int32(binary.LittleEndian.Uint32(data))),
		spaceID: -1,
		bos:     llama2cBOS,
		eos:     llama2cEOS,
	}
	if t.maxLen <= 0 {
		return nil, fmt.Errorf("not a llama2.c tokenizer: max token length %d", t.maxLen)
	}
	rest := data[4:]
	for id := 0; vocabSize <= 0 && len(rest) > 0 || id < vocabSize; id++ {
		if len(rest) < 8 {
			return nil, fmt.Errorf("token %d: file ends early (want %d tokens)", id, vocabSize)
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(rest))
		n := int(int32(binary.LittleEndian.Uint32(rest[4:])))
		rest = rest[8:]
		if n < 0 || n > len(rest) {
			return nil, fmt.Errorf("token %d: bad length %d", id, n)
		}
		piece := rest[:n:n]
		rest = rest[n:]
		t.pieces = append(t.pieces, piece)
		if b, ok := parseByteToken(piece); ok {
			t.raw = append(t.raw, []byte{b})
		} else {
			t.raw = append(t.raw, piece)
		}
		t.scores = append(t.scores, score)
		if _, dup := t.lookup[string(piece)]; !dup {
			t.lookup[string(piece)] = id // run.c's sorted lookup finds one of duplicates; keep the first
		}
	}
	if len(t.pieces) <= llama2cEOS {
		return nil, fmt.Errorf("vocabulary of %d tokens is too small", len(t.pieces))
	}
	if id, ok := t.lookup[" "]; ok {
		t.spaceID = id
	}
	return t, nil
}

// Encode implements Tokenizer with run.c's algorithm: a dummy-prefix space,
// one piece per UTF-8 character (else byte-fallback pieces <0xXX>), then
// greedy merging of the adjacent pair with the best score. Like run.c it is
// quadratic in the text length, which suits prompts, not whole books.
func (t *Llama2C) Encode(text string, opts EncodeOptions) []int {
	ids := make([]int, 0, len(text)+3)
	if opts.BOS {
		ids = append(ids, t.bos)
	}
	start := len(ids)
	if text != "" && t.spaceID >= 0 {
		ids = append(ids, t.spaceID)
	}
	for i := 0; i < len(text); {
		// run.c groups a byte with up to three following continuation bytes.
		end := i + 1
		for end < len(text) && end-i < 4 && text[end]&0xC0 == 0x80 {
			end++
		}
		if id, ok := t.lookup[text[i:end]]; ok {
			ids = append(ids, id)
		} else {
			for k := i; k < end; k++ {
				ids = append(ids, t.byteID(text[k]))
			}
		}
		i = end
	}
	ids = append(ids[:start], t.merge(ids[start:])...)
	if opts.EOS {
		ids = append(ids, t.eos)
	}
	return ids
}

// byteID returns the byte-fallback piece for b, or 0 (<unk>) when the
// vocabulary is too small to hold it.
func (t *Llama2C) byteID(b byte) int {
	if id := int(b) + llama2cByteOffset; id < len(t.pieces) {
		return id
	}
	return 0
}

// merge repeatedly joins the leftmost adjacent pair with the highest score
// whose concatenation is a piece, until none is.
func (t *Llama2C) merge(ids []int) []int {
	buf := make([]byte, 0, 2*t.maxLen)
	for {
		best, bestID := -1, -1
		bestScore := float32(-1e10) // run.c's starting value
		for k := 0; k+1 < len(ids); k++ {
			buf = append(append(buf[:0], t.pieces[ids[k]]...), t.pieces[ids[k+1]]...)
			if id, ok := t.lookup[string(buf)]; ok && t.scores[id] > bestScore {
				best, bestID, bestScore = k, id, t.scores[id]
			}
		}
		if best < 0 {
			return ids
		}
		ids[best] = bestID
		ids = append(ids[:best+1], ids[best+2:]...)
	}
}

// Decode implements Tokenizer. The leading space of the first piece and of
// the piece after BOS (the dummy prefix Encode adds) is dropped, <0xXX>
// pieces become raw bytes, and BOS, EOS and out-of-range ids print nothing.
func (t *Llama2C) Decode(ids []int) string {
	var buf []byte
	prev := t.bos // the start of a sequence behaves like BOS
	for _, id := range ids {
		buf = append(buf, t.decodePiece(prev, id)...)
		prev = id
	}
	return toValidUTF8(buf)
}

// decodePiece is the printed text of id after prev, as in run.c's decode;
// BOS and EOS print nothing (run.c never prints them).
func (t *Llama2C) decodePiece(prev, id int) []byte {
	if id < 0 || id >= len(t.pieces) || id == t.bos || id == t.eos {
		return nil
	}
	if p := t.pieces[id]; prev == t.bos && len(p) > 0 && p[0] == ' ' {
		return p[1:]
	}
	return t.raw[id]
}

// parseByteToken recognizes the byte-fallback pieces "<0xXX>".
func parseByteToken(p []byte) (byte, bool) {
	if len(p) != 6 || string(p[:3]) != "<0x" || p[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range p[3:5] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// TokenBytes implements Tokenizer; a byte-fallback piece <0xXX> gives its
// single byte. The returned slice must not be modified.
func (t *Llama2C) TokenBytes(id int) []byte {
	if id < 0 || id >= len(t.pieces) {
		return nil
	}
	return t.raw[id]
}

// Piece returns the text of id as stored in the vocabulary ("" if out of range).
func (t *Llama2C) Piece(id int) string {
	if id < 0 || id >= len(t.pieces) {
		return ""
	}
	return string(t.pieces[id])
}

// VocabSize implements Tokenizer.
func (t *Llama2C) VocabSize() int { return len(t.pieces) }

// BOS implements Tokenizer.
func (t *Llama2C) BOS() int { return t.bos }

// EOS implements Tokenizer.
func (t *Llama2C) EOS() int { return t.eos }

// StopTokens implements Tokenizer.
func (t *Llama2C) StopTokens() []int { return []int{t.eos} }
