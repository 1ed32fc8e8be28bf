package tokenizer

import (
	"fmt"
	"sort"
	"strings"
)

// BPE is a byte-level BPE tokenizer with tiktoken semantics (Llama-3):
// text is split by the Llama-3 pattern and each piece is merged by rank,
// where a token's rank is its id. It is safe for concurrent use.
type BPE struct {
	ranks   map[string]int // token bytes -> id, ordinary tokens only
	tokens  [][]byte       // id -> bytes; special ids hold their name
	special map[string]int // special-token text -> id, matched with AllowSpecial
	// specialByFirst lists special names by their first byte, longest first.
	specialByFirst map[byte][]string
	bos, eos       int
	stop           []int
}

// Llama3SpecialTokens returns the Llama-3.1 names of the 256 special tokens
// that follow the base vocabulary, from the reference tokenizer.py.
func Llama3SpecialTokens() []string {
	names := []string{
		"<|begin_of_text|>", "<|end_of_text|>",
		"<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
		"<|finetune_right_pad_id|>", "<|step_id|>",
		"<|start_header_id|>", "<|end_header_id|>",
		"<|eom_id|>", "<|eot_id|>", "<|python_tag|>", "<|image|>",
	}
	for i := 2; len(names) < 256; i++ {
		names = append(names, fmt.Sprintf("<|reserved_special_token_%d|>", i))
	}
	return names
}

// maxSpecialTokens bounds special ids so a corrupt file cannot make us
// allocate a huge table.
const maxSpecialTokens = 1 << 20

// specialToken names a special id; several names may share one id, the
// first listed is the one Decode prints.
type specialToken struct {
	name string
	id   int
}

// newBPE builds a tokenizer from ordinary tokens (index = id) and special
// tokens. Roles are found by their Llama-3 names.
func newBPE(base [][]byte, specials []specialToken) (*BPE, error) {
	t := &BPE{
		ranks:          make(map[string]int, len(base)),
		special:        make(map[string]int, len(specials)),
		specialByFirst: make(map[byte][]string),
		bos:            -1,
		eos:            -1,
	}
	size := len(base)
	for _, st := range specials {
		if st.id < len(base) || st.id > len(base)+maxSpecialTokens || st.name == "" {
			return nil, fmt.Errorf("special token %q: id %d is not after the %d ordinary tokens", st.name, st.id, len(base))
		}
		size = max(size, st.id+1)
	}
	t.tokens = make([][]byte, size)
	for id, b := range base {
		if _, dup := t.ranks[string(b)]; dup {
			return nil, fmt.Errorf("token %q appears twice", b)
		}
		t.ranks[string(b)] = id
		t.tokens[id] = b
	}
	for b := 0; b < 256; b++ {
		if _, ok := t.ranks[string([]byte{byte(b)})]; !ok {
			return nil, fmt.Errorf("vocabulary lacks the single byte 0x%02x", b)
		}
	}
	for _, st := range specials {
		if _, dup := t.special[st.name]; dup {
			continue
		}
		t.special[st.name] = st.id
		if t.tokens[st.id] == nil {
			t.tokens[st.id] = []byte(st.name)
		}
		t.specialByFirst[st.name[0]] = append(t.specialByFirst[st.name[0]], st.name)
	}
	for _, names := range t.specialByFirst {
		sort.Slice(names, func(i, j int) bool {
			if len(names[i]) != len(names[j]) {
				return len(names[i]) > len(names[j])
			}
			return names[i] < names[j]
		})
	}
	id := func(name string) int {
		if v, ok := t.special[name]; ok {
			return v
		}
		return -1
	}
	t.bos, t.eos = id("<|begin_of_text|>"), id("<|end_of_text|>")
	for _, name := range []string{"<|end_of_text|>", "<|eom_id|>", "<|eot_id|>"} {
		if v := id(name); v >= 0 {
			t.stop = append(t.stop, v)
		}
	}
	return t, nil
}

// Encode implements Tokenizer.
func (t *BPE) Encode(text string, opts EncodeOptions) []int {
	ids := make([]int, 0, len(text)/4+2)
	if opts.BOS && t.bos >= 0 {
		ids = append(ids, t.bos)
	}
	if opts.AllowSpecial {
		ids = t.encodeWithSpecial(ids, text)
	} else {
		ids = t.encodeOrdinary(ids, text)
	}
	if opts.EOS && t.eos >= 0 {
		ids = append(ids, t.eos)
	}
	return ids
}

func (t *BPE) encodeOrdinary(ids []int, text string) []int {
	for i := 0; i < len(text); {
		end := pieceEnd(text, i)
		ids = t.appendPiece(ids, text[i:end])
		i = end
	}
	return ids
}

// encodeWithSpecial encodes the text between special-token names ordinarily
// and each name as its id; the longest name wins at a position.
func (t *BPE) encodeWithSpecial(ids []int, text string) []int {
	plainStart := 0
	for i := 0; i < len(text); i++ {
		names := t.specialByFirst[text[i]]
		for _, name := range names {
			if strings.HasPrefix(text[i:], name) {
				ids = t.encodeOrdinary(ids, text[plainStart:i])
				ids = append(ids, t.special[name])
				i += len(name) - 1
				plainStart = i + 1
				break
			}
		}
	}
	return t.encodeOrdinary(ids, text[plainStart:])
}

// Decode implements Tokenizer. Out-of-range ids are skipped; special ids
// decode to their names.
func (t *BPE) Decode(ids []int) string {
	n := 0
	for _, id := range ids {
		n += len(t.TokenBytes(id))
	}
	buf := make([]byte, 0, n)
	for _, id := range ids {
		buf = append(buf, t.TokenBytes(id)...)
	}
	return toValidUTF8(buf)
}

// TokenBytes implements Tokenizer. The returned slice must not be modified.
func (t *BPE) TokenBytes(id int) []byte {
	if id < 0 || id >= len(t.tokens) {
		return nil
	}
	return t.tokens[id]
}

// VocabSize implements Tokenizer.
func (t *BPE) VocabSize() int { return len(t.tokens) }

// BOS implements Tokenizer.
func (t *BPE) BOS() int { return t.bos }

// EOS implements Tokenizer.
func (t *BPE) EOS() int { return t.eos }

// StopTokens implements Tokenizer.
func (t *BPE) StopTokens() []int { return append([]int(nil), t.stop...) }

// SpecialID returns the id of a special-token name such as "<|eot_id|>".
func (t *BPE) SpecialID(name string) (int, bool) {
	id, ok := t.special[name]
	return id, ok
}
