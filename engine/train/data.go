package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"colash/model/tokenizer"
)

// Seq is one training sequence of fixed length: Tokens[t] and whether Tokens[t] is a target
// (predicted from position t-1). Loss[0] is always false. Padding is never a target.
type Seq struct {
	Tokens []int64
	Loss   []bool
}

// DataConfig says how documents are read from a file.
type DataConfig struct {
	// Field is the text field of JSONL records (plain text files: each blank-line separated
	// paragraph block is one document).
	Field string
	// PromptField and ResponseField name the two parts of prompt/response JSONL (FTA); when both
	// are set, only response tokens are targets.
	PromptField, ResponseField string
	// Template formats the prompt ("%s" is replaced by it); "" uses the prompt as is.
	Template string
}

// Doc is one tokenized document: tokens and which are targets.
type Doc struct {
	Tokens []int
	Loss   []bool
}

// ReadDocs reads and tokenizes the documents of a text or JSONL file (JSONL if the name ends in
// .jsonl or .json or the first non-blank byte is '{'). Every document starts with BOS and ends
// with EOS.
func ReadDocs(path string, tok tokenizer.Tokenizer, cfg DataConfig) ([]Doc, error) {
	recs, err := readRecords(path, cfg)
	if err != nil {
		return nil, err
	}
	bos, eos := tok.BOS(), tok.EOS()
	docs := make([]Doc, 0, len(recs))
	for _, r := range recs {
		var d Doc
		if bos >= 0 {
			d.Tokens, d.Loss = append(d.Tokens, bos), append(d.Loss, false)
		}
		for _, id := range tok.Encode(r.prompt, tokenizer.EncodeOptions{}) {
			d.Tokens, d.Loss = append(d.Tokens, id), append(d.Loss, r.promptLoss)
		}
		for _, id := range tok.Encode(r.resp, tokenizer.EncodeOptions{}) {
			d.Tokens, d.Loss = append(d.Tokens, id), append(d.Loss, true)
		}
		if eos >= 0 {
			d.Tokens, d.Loss = append(d.Tokens, eos), append(d.Loss, true)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// ReadTexts reads the documents of a text or JSONL file (field: the JSONL text field) as
// ReadDocs does, untokenized: what a tokenizer is trained on.
func ReadTexts(path, field string) ([]string, error) {
	recs, err := readRecords(path, DataConfig{Field: field})
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(recs))
	for i, r := range recs {
		texts[i] = r.prompt + r.resp
	}
	return texts, nil
}

// record is one document before tokenization: a prompt (a target when promptLoss) and a response.
type record struct {
	prompt, resp string
	promptLoss   bool
}

func readRecords(path string, cfg DataConfig) ([]record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read data: %w", err)
	}
	text := string(b)
	isJSON := strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".json") ||
		strings.HasPrefix(strings.TrimSpace(text), "{")
	var recs []record
	if !isJSON {
		for _, para := range strings.Split(text, "\n\n") {
			if p := strings.TrimSpace(para); p != "" {
				recs = append(recs, record{p, "", true})
			}
		}
		return recs, nil
	}
	field := cfg.Field
	if field == "" {
		field = "text"
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		str := func(name string) (string, error) {
			v, ok := rec[name].(string)
			if !ok {
				return "", fmt.Errorf("%s:%d: no string field %q", path, line, name)
			}
			return v, nil
		}
		if cfg.PromptField != "" && cfg.ResponseField != "" {
			p, err := str(cfg.PromptField)
			if err != nil {
				return nil, err
			}
			r, err := str(cfg.ResponseField)
			if err != nil {
				return nil, err
			}
			if cfg.Template != "" {
				p = strings.ReplaceAll(cfg.Template, "%s", p)
			}
			recs = append(recs, record{p, r, false})
			continue
		}
		t, err := str(field)
		if err != nil {
			return nil, err
		}
		// Sampled text carries its BOS as a leading piece; Encode does not add one.
		recs = append(recs, record{t, "", true})
	}
	return recs, sc.Err()
}

// Pack concatenates documents into one token stream and cuts it into sequences of T tokens
// (the tail that does not fill a sequence is dropped): pretraining-style packing.
func Pack(docs []Doc, T int) []Seq {
	var toks []int64
	var loss []bool
	for _, d := range docs {
		for i, id := range d.Tokens {
			toks = append(toks, int64(id))
			loss = append(loss, d.Loss[i])
		}
	}
	var out []Seq
	for at := 0; at+T <= len(toks); at += T {
		s := Seq{Tokens: toks[at : at+T], Loss: append([]bool(nil), loss[at:at+T]...)}
		s.Loss[0] = false
		out = append(out, s)
	}
	return out
}

// PackAligned cuts documents into sequences of T tokens that each start at a document's first
// token, so that every token sees its document from the start (a household episode or a long
// search trace longer than the gap a stream would leave). Whole documents fill a sequence while
// they fit; the first one that does not fill its remainder with its own opening tokens and then
// starts the next sequence again, so no position is padding. A document longer than T gives one
// sequence of its first T tokens.
func PackAligned(docs []Doc, T int) []Seq {
	var out []Seq
	cur := Seq{Tokens: make([]int64, 0, T), Loss: make([]bool, 0, T)}
	put := func(d Doc, n int) {
		for i := range n {
			cur.Tokens = append(cur.Tokens, int64(d.Tokens[i]))
			cur.Loss = append(cur.Loss, d.Loss[i] && len(cur.Tokens) > 1)
		}
	}
	flush := func() {
		out = append(out, cur)
		cur = Seq{Tokens: make([]int64, 0, T), Loss: make([]bool, 0, T)}
	}
	for _, d := range docs {
		if len(cur.Tokens) > 0 && len(cur.Tokens)+len(d.Tokens) > T {
			put(d, T-len(cur.Tokens))
			flush()
		}
		put(d, min(len(d.Tokens), T))
		if len(cur.Tokens) == T {
			flush()
		}
	}
	return out // a last sequence that is not full is dropped, as Pack drops its tail
}

// Pad makes one sequence per document, cut to T tokens and right-padded with pad (never a target):
// for prompt/response data, where a sequence must start at its prompt.
func Pad(docs []Doc, T int, pad int) []Seq {
	out := make([]Seq, 0, len(docs))
	for _, d := range docs {
		s := Seq{Tokens: make([]int64, T), Loss: make([]bool, T)}
		for t := 0; t < T; t++ {
			if t < len(d.Tokens) {
				s.Tokens[t], s.Loss[t] = int64(d.Tokens[t]), d.Loss[t] && t > 0
			} else {
				s.Tokens[t] = int64(pad)
			}
		}
		out = append(out, s)
	}
	return out
}

// Cursor is where a Loader stands: the epoch (which fixes the shuffle) and the next index in it.
type Cursor struct {
	Epoch int `json:"epoch"`
	Pos   int `json:"pos"`
}

// Loader hands out batches of sequences in a seeded shuffled order, epoch after epoch. Its
// cursor is all the state it has, so a saved cursor resumes the exact same stream.
type Loader struct {
	Seqs []Seq
	Seed uint64
	Cursor
	perm []int
}

// NewLoader starts at epoch 0, position 0.
func NewLoader(seqs []Seq, seed uint64) (*Loader, error) {
	if len(seqs) == 0 {
		return nil, fmt.Errorf("data: no sequences (the data is shorter than one sequence?)")
	}
	return &Loader{Seqs: seqs, Seed: seed}, nil
}

func (l *Loader) order() []int {
	if l.perm == nil {
		rng := rand.New(rand.NewPCG(l.Seed, uint64(l.Epoch)+0x9e3779b97f4a7c15))
		l.perm = rng.Perm(len(l.Seqs))
	}
	return l.perm
}

// Next returns the next B sequences (crossing into the next epoch, reshuffled, when needed).
func (l *Loader) Next(B int) []Seq {
	out := make([]Seq, 0, B)
	for len(out) < B {
		if l.Pos >= len(l.Seqs) {
			l.Epoch, l.Pos, l.perm = l.Epoch+1, 0, nil
		}
		out = append(out, l.Seqs[l.order()[l.Pos]])
		l.Pos++
	}
	return out
}

// SetCursor moves the loader to c.
func (l *Loader) SetCursor(c Cursor) {
	l.Cursor, l.perm = c, nil
}
