package generate

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// QModel is a network read at every position, Q(s, .) over the codes, with a KV cache of its
// own that follows the CoLA's batch (model/qnet).
type QModel interface {
	QValues(tokens *ts.Tensor, batch *llama.Batch, cache *llama.KVCache) (*ts.Tensor, error) // [B,T,C]
	NewCache(B, capacity int) *llama.KVCache
}

// Forward counts forward tokens: the positions each module actually computed.
type Forward struct {
	Backbone, Policy, World, Q int64
}

// Total is the sum over modules.
func (f *Forward) Total() int64 { return f.Backbone + f.Policy + f.World + f.Q }

// Minus is f - o, module by module.
func (f Forward) Minus(o Forward) Forward {
	return Forward{f.Backbone - o.Backbone, f.Policy - o.Policy, f.World - o.World, f.Q - o.Q}
}

// Add counts T positions of backbone and policy (and of the Q-network when q is set) and w of
// the world model.
func (f *Forward) Add(T, w int, q bool) {
	f.Backbone += int64(T)
	f.Policy += int64(T)
	f.World += int64(w)
	if q {
		f.Q += int64(T)
	}
}

// fork is B CoLA sequences after their last fed token: caches that hold every token, and the
// hidden state, policy logits (and Q-values) at the last position, ready for the next code.
type fork struct {
	m      *cola.Model
	q      QModel // nil: no Q-network
	caches *cola.Caches
	qc     *llama.KVCache
	batch  *llama.Batch
	h      *ts.Tensor  // [B,1,d]
	policy [][]float32 // [B][C]
	qv     [][]float32 // [B][C], nil without q
	count  *Forward
}

// feed runs T new tokens per sequence, tokens [B*T], through backbone, policy and Q-network.
func (f *fork) feed(tokens []int64, B, T int) error {
	x, err := f.m.Tokens(tokens, B, T)
	if err != nil {
		return err
	}
	defer x.MustDrop()
	var h, pol, qv *ts.Tensor
	err = tensor.Guard(func() {
		sc := &tensor.Scope{}
		defer sc.Close()
		hid, err := f.m.Hidden(x, f.batch, f.caches.Main) // [B,T,d]
		if err != nil {
			panic(err)
		}
		sc.T(hid)
		h = hid.MustNarrow(1, int64(T-1), 1, false) // [B,1,d]
		pl, err := f.m.PolicyLogits(hid, f.batch, f.caches.Policy)
		if err != nil {
			panic(err)
		}
		pol = sc.T(pl).MustSelect(1, int64(T-1), false) // [B,C]
		if f.q != nil {
			qs, err := f.q.QValues(x, f.batch, f.qc)
			if err != nil {
				panic(err)
			}
			qv = sc.T(qs).MustSelect(1, int64(T-1), false) // [B,C]
		}
	})
	f.batch.Advance(T)
	if err != nil {
		tensor.Drop(h, pol, qv)
		return err
	}
	f.count.Add(B*T, 0, f.q != nil)
	tensor.Drop(f.h)
	f.h, f.policy = h, Rows(tensor.Float32s(pol), B)
	pol.MustDrop()
	if qv != nil {
		f.qv = Rows(tensor.Float32s(qv), B)
		qv.MustDrop()
	}
	return nil
}

// next is the world model's greedy token for each sequence's code at the last position.
func (f *fork) next(codes []int64) ([]int, error) {
	B := len(codes)
	var out []int
	err := tensor.Guard(func() {
		c := tensor.FromInt64s(codes, []int64{int64(B), 1}, f.m.Device)
		defer c.MustDrop()
		wm, err := f.m.WorldModelLogits(f.h, c) // [B,1,V]
		if err != nil {
			panic(err)
		}
		defer wm.MustDrop()
		for _, row := range Rows(tensor.Float32s(wm), B) {
			out = append(out, Argmax(row))
		}
	})
	f.count.Add(0, B, false)
	return out, err
}

func (f *fork) free() {
	f.caches.Free()
	if f.qc != nil {
		f.qc.Free()
	}
	tensor.Drop(f.h)
	f.h, f.qc = nil, nil
}

// Branch is one CoLA sequence that forks: Child and Extend copy its caches instead of
// recomputing its prefix. Its policy (and Q-values) at the last token are ready.
type Branch struct {
	fork
	Tokens []int // every token fed, prompt included
}

// NewBranch runs tokens (BOS included) through the CoLA (and q, when not nil), counting the
// positions in count.
func NewBranch(m *cola.Model, q QModel, tokens []int, count *Forward) (*Branch, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("branch: no tokens (a prompt needs at least BOS)")
	}
	L := len(tokens)
	b := &Branch{fork: fork{m: m, q: q, caches: m.NewCaches(1, L+16), batch: &llama.Batch{Pad: []int{0}}, count: count},
		Tokens: append([]int(nil), tokens...)}
	if q != nil {
		b.qc = q.NewCache(1, L+16)
	}
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
	t, err := b.next([]int64{int64(code)})
	if err != nil {
		return 0, err
	}
	return t[0], nil
}

// clone copies the branch's caches (and shares nothing with it).
func (b *Branch) clone() *Branch {
	L := b.batch.Len
	c := &Branch{fork: b.fork, Tokens: append([]int(nil), b.Tokens...)}
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
