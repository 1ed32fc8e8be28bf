package llama

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/llama/compiled"
	"colash/model/tensor"
)

// KVCache holds keys and values of a stack of layers, [B,nKV,Cap,hd] each. Which slots are filled
// is the Batch's business (several caches, such as CoLA's backbone and policy caches, follow one
// batch); the cache grows by doubling when a call writes past its capacity.
type KVCache struct {
	K, V      []*ts.Tensor
	Cap       int
	b, kv, hd int64
	dev       gotch.Device
	dt        gotch.DType
}

// LayerKV is one layer's view of the cache during a forward call.
type LayerKV struct {
	c *KVCache
	i int
}

// NewKVCache allocates a cache for layers layers.
func NewKVCache(layers, B, kvHeads, headDim, capacity int, dev gotch.Device, dt gotch.DType) *KVCache {
	c := &KVCache{K: make([]*ts.Tensor, layers), V: make([]*ts.Tensor, layers),
		b: int64(B), kv: int64(kvHeads), hd: int64(headDim), dev: dev, dt: dt}
	c.grow(max(capacity, 16), 0)
	return c
}

func (c *KVCache) grow(capacity, filled int) {
	c.Cap = capacity
	if len(c.K) == 0 {
		return
	}
	old := c.tensors()
	first := ts.MustZeros([]int64{c.b, c.kv, int64(capacity), c.hd}, c.dt, c.dev)
	rest, err := compiled.ZerosLike(first, 2*len(c.K)-1)
	if err != nil {
		first.MustDrop()
		panic(err)
	}
	c.set(append([]*ts.Tensor{first}, rest...))
	if old[0] != nil {
		copySlots(c, old, -1, -1, 0, 0, filled)
		tensor.Drop(old...)
	}
}

// set makes all, as tensors lists them, the cache's tensors.
func (c *KVCache) set(all []*ts.Tensor) {
	L := len(c.K)
	copy(c.K, all[:L])
	copy(c.V, all[L:])
}

// tensors is every layer's keys, then every layer's values.
func (c *KVCache) tensors() []*ts.Tensor { return append(append([]*ts.Tensor(nil), c.K...), c.V...) }

// reserve grows the cache (doubling) so that it holds n slots; the first filled slots are kept.
func (c *KVCache) reserve(n, filled int) {
	if n > c.Cap {
		c.grow(max(2*c.Cap, n), filled)
	}
}

// Layer returns layer i's view.
func (c *KVCache) Layer(i int) *LayerKV { return &LayerKV{c: c, i: i} }

// Append writes k, v [B,nKV,T,hd] at slots past..past+T-1 and returns the keys and values of all
// slots so far, [B,nKV,past+T,hd].
func (l *LayerKV) Append(k, v *ts.Tensor, past int, s *tensor.Scope) (*ts.Tensor, *ts.Tensor) {
	c := l.c
	T := int(k.MustSize()[2])
	c.reserve(past+T, past)
	for _, kv := range [][2]*ts.Tensor{{c.K[l.i], k}, {c.V[l.i], v}} {
		dst := kv[0].MustNarrow(2, int64(past), int64(T), false)
		dst.Copy_(kv[1])
		dst.MustDrop()
	}
	n := int64(past + T)
	return s.T(c.K[l.i].MustNarrow(2, 0, n, false)), s.T(c.V[l.i].MustNarrow(2, 0, n, false))
}

// Free releases the cache.
func (c *KVCache) Free() {
	tensor.Drop(c.K...)
	tensor.Drop(c.V...)
	c.K, c.V = nil, nil
}

// Clone copies slots [0, filled) of every layer into a new cache of the given capacity: a fork
// of a prefix, so that a branch goes on from it without recomputing it.
func (c *KVCache) Clone(filled, capacity int) *KVCache {
	out := &KVCache{K: make([]*ts.Tensor, len(c.K)), V: make([]*ts.Tensor, len(c.V)), b: c.b, kv: c.kv, hd: c.hd, dev: c.dev, dt: c.dt}
	out.grow(max(capacity, filled, 16), 0)
	copySlots(out, c.tensors(), -1, -1, 0, 0, filled)
	return out
}

// Stack puts single-sequence caches with filled[i] slots side by side, right-aligned in a batch
// of len(cs) sequences: sequence i's slots land at [L-filled[i], L) with L the longest, so its
// llama.Batch pad is L-filled[i]. Keys already carry their rotary positions, so moving them to
// another slot keeps them valid.
func Stack(cs []*KVCache, filled []int, capacity int) *KVCache {
	L := 0
	for _, f := range filled {
		L = max(L, f)
	}
	c0 := cs[0]
	out := &KVCache{K: make([]*ts.Tensor, len(c0.K)), V: make([]*ts.Tensor, len(c0.V)), b: int64(len(cs)), kv: c0.kv, hd: c0.hd, dev: c0.dev, dt: c0.dt}
	out.grow(max(capacity, L, 16), 0)
	for b, c := range cs {
		copySlots(out, c.tensors(), b, -1, L-filled[b], 0, filled[b])
	}
	return out
}

// copySlots copies n slots of src (a cache's tensors, as tensors lists them) from slot from into
// dst's at slot at, row srcRow into row dstRow (-1: the whole batch, or a tensor's only row), all
// layers in one call.
func copySlots(dst *KVCache, src []*ts.Tensor, dstRow, srcRow, at, from, n int) {
	if err := compiled.CopySlots(dst.tensors(), src, dstRow, srcRow, at, from, n); err != nil {
		panic(err)
	}
}

// Row copies n slots of sequence b, from slot from, into a new one-sequence cache of the given
// capacity, at slot 0: a sequence taken out of a stacked batch (the inverse of Stack).
func (c *KVCache) Row(b, from, n, capacity int) *KVCache {
	out := &KVCache{K: make([]*ts.Tensor, len(c.K)), V: make([]*ts.Tensor, len(c.V)), b: 1, kv: c.kv, hd: c.hd, dev: c.dev, dt: c.dt}
	out.grow(max(capacity, n, 16), 0)
	copySlots(out, c.tensors(), -1, b, 0, from, n)
	return out
}

// Keep keeps sequences rows of the batch, in that order, and drops the others.
func (c *KVCache) Keep(rows []int) {
	idx := make([]int64, len(rows))
	for i, r := range rows {
		idx[i] = int64(r)
	}
	old := c.tensors()
	kept, err := compiled.KeepRows(old, idx)
	if err != nil {
		panic(err)
	}
	c.set(kept)
	tensor.Drop(old...)
	c.b = int64(len(rows))
}
