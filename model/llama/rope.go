package llama

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Rope holds cos/sin tables [P,hd] for positions 0..P-1, in the Hugging Face layout: each row is
// the hd/2 frequencies twice, so that rotate_half pairs dimension i with i + hd/2. Checkpoints in
// Meta's interleaved layout are permuted to this one when they are loaded.
type Rope struct {
	invFreq  []float64
	hd       int
	cos, sin *ts.Tensor
	turn     *ts.Tensor // rotate_half as a matrix
	n        int
	dev      gotch.Device
	dt       gotch.DType
}

// NewRope prepares (lazily) the tables for cfg.
func NewRope(cfg *Config, dev gotch.Device, dt gotch.DType) *Rope {
	return &Rope{invFreq: cfg.InvFreq(), hd: cfg.HeadDim(), dev: dev, dt: dt}
}

// ensure grows the tables to cover positions < n.
func (r *Rope) ensure(n int) {
	if n <= r.n {
		return
	}
	p := max(n, 2*r.n, 256)
	cos := make([]float32, p*r.hd)
	sin := make([]float32, p*r.hd)
	half := r.hd / 2
	for pos := 0; pos < p; pos++ {
		for i, f := range r.invFreq {
			a := float64(pos) * f
			c, s := float32(math.Cos(a)), float32(math.Sin(a))
			cos[pos*r.hd+i], cos[pos*r.hd+i+half] = c, c
			sin[pos*r.hd+i], sin[pos*r.hd+i+half] = s, s
		}
	}
	tensor.Drop(r.cos, r.sin)
	r.cos = tensor.FromFloat32s(cos, []int64{int64(p), int64(r.hd)}, r.dev).MustTotype(r.dt, true)
	r.sin = tensor.FromFloat32s(sin, []int64{int64(p), int64(r.hd)}, r.dev).MustTotype(r.dt, true)
	r.n = p
}

// At gathers the tables at positions [B,T], giving cos and sin shaped [B,T,1,hd] (heads broadcast).
func (r *Rope) At(pos []int64, B, T int64, s *tensor.Scope) (cos, sin *ts.Tensor) {
	maxPos := int64(0)
	for _, p := range pos {
		maxPos = max(maxPos, p)
	}
	r.ensure(int(maxPos) + 1)
	idx := s.T(tensor.FromInt64s(pos, []int64{B * T}, r.dev))
	shape := []int64{B, T, 1, int64(r.hd)}
	cos = s.T(r.cos.MustIndexSelect(0, idx, false).MustView(shape, true))
	sin = s.T(r.sin.MustIndexSelect(0, idx, false).MustView(shape, true))
	return cos, sin
}

// Free releases the tables.
func (r *Rope) Free() {
	tensor.Drop(r.cos, r.sin, r.turn)
	r.cos, r.sin, r.turn, r.n = nil, nil, nil, 0
}

// halfTurn returns R [hd,hd] with x R = rotate_half(x) = [-x2, x1]: one matmul replaces the
// split, negate and concatenate.
func (r *Rope) halfTurn() *ts.Tensor {
	if r.turn == nil {
		hd, half := r.hd, r.hd/2
		m := make([]float32, hd*hd)
		for j := 0; j < half; j++ {
			m[(j+half)*hd+j] = -1 // out[j] = -x[j+half]
			m[j*hd+j+half] = 1    // out[j+half] = x[j]
		}
		r.turn = tensor.FromFloat32s(m, []int64{int64(hd), int64(hd)}, r.dev).MustTotype(r.dt, true)
	}
	return r.turn
}

// rotate applies x*cos + rotate_half(x)*sin to x [B,T,H,hd].
func (r *Rope) rotate(x, cos, sin *ts.Tensor) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	a := s.T(x.MustMul(cos, false))
	b := s.T(x.MustMatmul(r.halfTurn(), false).MustMul(sin, true))
	return a.MustAdd(b, false)
}
