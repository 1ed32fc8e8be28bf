package generate

import (
	"fmt"
	"slices"

	"colash/model/cola"
	"colash/model/llama"
)

// Branch is one CoLA sequence that forks: Child and Extend copy its caches instead of
// recomputing its prefix. Its policy (and Q-values) at the last token are ready.
type Branch struct {
	decoder
	Tokens []int // every token fed, prompt included
}

// NewBranch runs tokens (BOS included) through the CoLA (and q, when not nil), counting the
// positions in count.
func NewBranch(m *cola.Model, q QModel, tokens []int, count *Forward) (*Branch, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("branch: no tokens (a prompt needs at least BOS)")
	}
	L := len(tokens)
	b := &Branch{decoder: *newDecoder(m, q, []int{0}, L+16, count), Tokens: slices.Clone(tokens)}
	ids := make([]int64, L)
	for i, t := range tokens {
		ids[i] = int64(t)
	}
	if err := b.feed(ids, 1, L); err != nil {
		b.Free()
		return nil, err
	}
	return b, nil
}

// Policy is the policy's logits over the codes after the last token, [C].
func (b *Branch) Policy() []float32 { return b.policy[0] }

// QValues is Q(s, .) after the last token, [C] (nil without a Q-network).
func (b *Branch) QValues() []float32 {
	if b.qv == nil {
		return nil
	}
	return b.qv[0]
}

// Next is the world model's greedy token for code after the last token.
func (b *Branch) Next(code int) (int, error) {
	logits, err := b.world([]int64{int64(code)})
	if err != nil {
		return 0, err
	}
	return Argmax(logits[0]), nil
}

// clone copies the branch's caches (and shares nothing with it).
func (b *Branch) clone() *Branch {
	L := b.batch.Len
	c := &Branch{decoder: b.decoder, Tokens: slices.Clone(b.Tokens)}
	c.caches = &cola.Caches{Main: b.caches.Main.Clone(L, L+16), Policy: b.caches.Policy.Clone(L, L+16)}
	if b.qc != nil {
		c.qc = b.qc.Clone(L, L+16)
	}
	c.batch = &llama.Batch{Pad: []int{0}, Len: L}
	c.h = b.h.MustShallowClone()
	return c
}

// Child is a new branch: this one followed by token.
func (b *Branch) Child(token int) (*Branch, error) {
	c := b.clone()
	if err := c.feed([]int64{int64(token)}, 1, 1); err != nil {
		c.Free()
		return nil, err
	}
	c.Tokens = append(c.Tokens, token)
	return c, nil
}

// Free releases the branch's caches.
func (b *Branch) Free() { b.free() }

// StepAll is Next then Child on every branch with its code, as one batch: the world model's
// greedy token for codes[i] after bs[i]'s last token, and the child holding it, each what
// Next and Child give and count alone.
func StepAll(bs []*Branch, codes []int) ([]*Branch, []int, error) {
	if len(bs) == 1 {
		tok, err := bs[0].Next(codes[0])
		if err != nil {
			return nil, nil, err
		}
		c, err := bs[0].Child(tok)
		return []*Branch{c}, []int{tok}, err
	}
	q := bs[0].q != nil
	d := stacked(bs, 1, q)
	defer d.free()
	cs, ids := make([]int64, len(bs)), make([]int64, len(bs))
	for i, c := range codes {
		cs[i] = int64(c)
	}
	logits, err := d.world(cs)
	if err != nil {
		return nil, nil, err
	}
	toks := make([]int, len(bs))
	for i, l := range logits {
		toks[i] = Argmax(l)
		ids[i] = int64(toks[i])
	}
	if err := d.feed(ids, len(bs), 1); err != nil {
		return nil, nil, err
	}
	out := make([]*Branch, len(bs))
	for i, b := range bs {
		out[i] = &Branch{decoder: d.row(i), Tokens: append(slices.Clone(b.Tokens), toks[i])}
		out[i].q, out[i].count = b.q, b.count
		b.count.Add(1, 1, q)
	}
	return out, toks, nil
}
