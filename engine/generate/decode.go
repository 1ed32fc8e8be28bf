package generate

import (
	"slices"

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

// Plus is f + o, module by module.
func (f Forward) Plus(o Forward) Forward {
	return Forward{f.Backbone + o.Backbone, f.Policy + o.Policy, f.World + o.World, f.Q + o.Q}
}

// Add counts T positions of backbone and policy (and of the Q-network when q is set) and w of
// the world model. A nil f counts nothing.
func (f *Forward) Add(T, w int, q bool) {
	if f == nil {
		return
	}
	f.Backbone += int64(T)
	f.Policy += int64(T)
	f.World += int64(w)
	if q {
		f.Q += int64(T)
	}
}

// decoder is the CoLA decode step of a batch of B sequences with its caches; generation
// (CoLASession) and search (Branch, Rollout) both decode through it. For the last fed token x_t:
//
//	h_t = norm(Llama(x_≤t))[t]                          [B,d]  backbone, cache Main
//	l_t = policy_head(policy_norm(Policy(h_≤t)))[t]     [B,C]  policy, cache Policy
//	a_t = choose(l_t)                                   [B]
//	y_t = lm_head(WM(h_t, W_cb[:, a_t]))                [B,V]  logits of x_{t+1}
//
// feed computes h_t and l_t (and Q(s_t, .) with a Q-network) and keeps them, so that a search
// can try several codes (world) before it feeds one token; step is the whole step.
type decoder struct {
	m      *cola.Model
	q      QModel // nil: no Q-network
	caches *cola.Caches
	qc     *llama.KVCache
	batch  *llama.Batch
	h      *ts.Tensor  // h_t, [B,1,d]
	policy [][]float32 // l_t, [B][C]
	qv     [][]float32 // Q(s_t, .), [B][C]; nil without q
	count  *Forward    // nil: not counted
}

// chooser picks every sequence's code from the policy logits l_t [B][C].
type chooser func(policy [][]float32) ([]int64, error)

// newDecoder makes empty caches for len(pad) sequences left-padded by pad.
func newDecoder(m *cola.Model, q QModel, pad []int, capacity int, count *Forward) *decoder {
	d := &decoder{m: m, q: q, caches: m.NewCaches(len(pad), capacity),
		batch: &llama.Batch{Pad: slices.Clone(pad)}, count: count}
	if q != nil {
		d.qc = q.NewCache(len(pad), capacity)
	}
	return d
}

// step feeds tokens [B*T] (T > 1: a prefill), chooses the codes a_t from l_t and returns them
// with the world model's logits y_t [B][V].
func (d *decoder) step(tokens []int64, B, T int, choose chooser) ([]int64, [][]float32, error) {
	if err := d.feed(tokens, B, T); err != nil {
		return nil, nil, err
	}
	codes, err := choose(d.policy)
	if err != nil {
		return nil, nil, err
	}
	logits, err := d.world(codes)
	return codes, logits, err
}

// feed runs T new tokens per sequence, tokens [B*T], through backbone, policy and Q-network,
// and keeps h_t, l_t and Q(s_t, .) of the last one.
func (d *decoder) feed(tokens []int64, B, T int) error {
	x, err := d.m.Tokens(tokens, B, T)
	if err != nil {
		return err
	}
	defer x.MustDrop()
	var h, pol, qv *ts.Tensor
	err = tensor.Guard(func() {
		sc := &tensor.Scope{}
		defer sc.Close()
		hid, err := d.m.Hidden(x, d.batch, d.caches.Main) // [B,T,d]
		if err != nil {
			panic(err)
		}
		sc.T(hid)
		h = hid.MustNarrow(1, int64(T-1), 1, false) // [B,1,d]
		pl, err := d.m.PolicyLogits(hid, d.batch, d.caches.Policy)
		if err != nil {
			panic(err)
		}
		pol = sc.T(pl).MustSelect(1, int64(T-1), false) // [B,C]
		if d.q != nil {
			qs, err := d.q.QValues(x, d.batch, d.qc)
			if err != nil {
				panic(err)
			}
			qv = sc.T(qs).MustSelect(1, int64(T-1), false) // [B,C]
		}
	})
	d.batch.Advance(T)
	if err != nil {
		tensor.Drop(h, pol, qv)
		return err
	}
	d.count.Add(B*T, 0, d.q != nil)
	tensor.Drop(d.h)
	d.h, d.policy = h, Rows(tensor.Float32s(pol), B)
	pol.MustDrop()
	if qv != nil {
		d.qv = Rows(tensor.Float32s(qv), B)
		qv.MustDrop()
	}
	return nil
}

// world is the world model's logits y_t [B][V] for each sequence's code a_t, codes [B]; it
// leaves the decoder as it was.
func (d *decoder) world(codes []int64) ([][]float32, error) {
	B := len(codes)
	var logits [][]float32
	err := tensor.Guard(func() {
		a := tensor.FromInt64s(codes, []int64{int64(B), 1}, d.m.Device) // [B,1]
		defer a.MustDrop()
		y, err := d.m.WorldModelLogits(d.h, a) // [B,1,V]
		if err != nil {
			panic(err)
		}
		defer y.MustDrop()
		logits = Rows(tensor.Float32s(y), B)
	})
	d.count.Add(0, B, false)
	return logits, err
}

// keep keeps sequences rows of the batch, in that order, and drops the others.
func (d *decoder) keep(rows []int) {
	d.caches.Main.Keep(rows)
	d.caches.Policy.Keep(rows)
	if d.qc != nil {
		d.qc.Keep(rows)
	}
	idx := make([]int64, len(rows))
	for i, r := range rows {
		idx[i] = int64(r)
	}
	at := tensor.FromInt64s(idx, []int64{int64(len(rows))}, d.m.Device)
	d.h = d.h.MustIndexSelect(0, at, true)
	at.MustDrop()
	d.policy, d.batch.Pad = pick(d.policy, rows), pick(d.batch.Pad, rows)
	if d.qv != nil {
		d.qv = pick(d.qv, rows)
	}
}

// free releases the caches and h_t; a nil decoder has nothing to free.
func (d *decoder) free() {
	if d == nil {
		return
	}
	d.caches.Free()
	if d.qc != nil {
		d.qc.Free()
	}
	tensor.Drop(d.h)
	d.h, d.qc = nil, nil
}
