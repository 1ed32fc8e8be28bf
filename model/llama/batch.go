package llama

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/hooks"
	"colash/model/tensor"
)

// Batch tracks B sequences decoded together. Prompts are left-padded to a common length, so
// every sequence fills the same cache slot at each step; Pad[b] slots at the start of sequence b
// are padding that no query may attend to, and its token positions start after them.
type Batch struct {
	Pad []int // left padding of each sequence
	Len int   // slots already processed: the caches that follow this batch hold them
}

// Attention is what every attention layer needs for one forward call over T new slots.
type Attention struct {
	Past     int // slots before this call
	T        int64
	Cos, Sin *ts.Tensor // [B,T,1,hd] at each token's position
	rope     *Rope
	Mask     *ts.Tensor // [B,1,T,S] additive: 0 where slot j is visible from query i, else maskValue; [1,1,T,S] when no sequence is padded; nil: all visible
	Hooks    *hooks.Run // the hook points of this call (nil: none)
	causal   bool       // Mask hides every slot after the query's own (Batch.Attention's does)
}

// Rotate applies the rotary embedding to x [B,T,H,hd].
func (a *Attention) Rotate(x *ts.Tensor) *ts.Tensor { return a.rope.rotate(x, a.Cos, a.Sin) }

// padded reports whether any sequence has padding slots.
func (b *Batch) padded() bool {
	for _, p := range b.Pad {
		if p > 0 {
			return true
		}
	}
	return false
}

// Advance records that T more slots of every sequence are processed.
func (b *Batch) Advance(T int) { b.Len += T }

// Positions gives the token position of each of the next T slots, [B*T] row-major.
func (b *Batch) Positions(T int) []int64 {
	pos := make([]int64, len(b.Pad)*T)
	for i, pad := range b.Pad {
		for t := 0; t < T; t++ {
			pos[i*T+t] = int64(max(0, b.Len+t-pad))
		}
	}
	return pos
}

// maskValue is what the mask adds to the score of a hidden slot in dtype dt: -1e9, or in float16
// (whose largest finite magnitude is 65504, so -1e9 overflows) half its lowest finite value,
// -32752. Either is far below any real score, and stays finite once a score is added to it: a
// padding query sees nothing, and -inf there would give NaN, which a masked slot's value passes on
// to the real queries (0 * NaN) in the next layer.
func maskValue(dt gotch.DType) float64 {
	if dt == gotch.Half {
		return -65504.0 / 2
	}
	return -1e9
}

// Attention builds rotary tables and the mask for the next T slots; tensors belong to s.
// Slot j is visible from query slot i (both absolute) iff Pad[b] <= j <= i. A padding query sees
// nothing real; its output is ignored, and a finite maskValue (not -inf) keeps it finite.
func (b *Batch) Attention(r *Rope, T int64, s *tensor.Scope) *Attention {
	B := int64(len(b.Pad))
	cos, sin := r.At(b.Positions(int(T)), B, T, s)
	S := int64(b.Len) + T
	if T == 1 && !b.padded() {
		// One new slot per sequence and no padding: every slot so far is visible.
		return &Attention{Past: b.Len, T: T, Cos: cos, Sin: sin, rope: r, causal: true}
	}
	dev := r.dev
	start, end := ts.IntScalar(int64(b.Len)), ts.IntScalar(S)
	key := s.T(ts.MustArange(end, gotch.Int64, dev).MustView([]int64{1, 1, 1, S}, true))
	query := s.T(ts.MustArangeStart(start, end, gotch.Int64, dev).
		MustView([]int64{1, 1, T, 1}, true))
	hidden := s.T(key.MustGtTensor(query, false)) // [1,1,T,S]: causal, one mask for every sequence
	if b.padded() {
		pads := make([]int64, B)
		for i, p := range b.Pad {
			pads[i] = int64(p)
		}
		pad := s.T(tensor.FromInt64s(pads, []int64{B, 1, 1, 1}, dev))
		hidden = s.T(hidden.MustLogicalOr(s.T(pad.MustGtTensor(key, false)), false)) // [B,1,T,S]
	}
	zeros := s.T(ts.MustZeros(hidden.MustSize(), r.dt, dev))
	mask := s.T(zeros.MustMaskedFill(hidden, tensor.Scalar(maskValue(r.dt)), false))
	return &Attention{Past: b.Len, T: T, Cos: cos, Sin: sin, Mask: mask, rope: r, causal: true}
}
