// Package nn holds the typed modules every colash model is built from: Linear, RMSNorm, SwiGLU
// and Embedding. Each module that owns one weight (Linear, RMSNorm, Embedding) is a leaf for
// model/weights: the struct field that holds it carries the checkpoint name and shape, as in
//
//	Q nn.Linear `st:"self_attn.q_proj.weight" shape:"q,d"`
//
// so a checkpoint's tensor names stay one per line in the model's declaration.
package nn

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/llama/compiled"
	"colash/model/tensor"
)

// Linear is y = x W^T for a weight W [out,in], stored as checkpoints store it (no bias: Llama
// has none).
type Linear struct{ W *ts.Tensor }

// WeightPtr makes Linear a weights.Leaf.
func (l *Linear) WeightPtr() **ts.Tensor { return &l.W }

// Forward applies the layer to x [...,in], giving [...,out].
func (l *Linear) Forward(x *ts.Tensor) *ts.Tensor { return MatMul(x, l.W) }

// MatVec routes float32 products of a few rows (decode at small batch, short prompts) past
// F.linear. With Debian's libtorch and OpenBLAS, F.linear is an sgemm, which packs the whole of W
// into its own layout before every product: for one row that made it 2.5-3.6x slower than the
// sgemv of W·x, and up to 16 rows it is slower than the compiled step's kernel that reads W in
// place (compiled.Linear; 0.3-0.7x F.linear's time at 10-16 rows, docs/performance.md). For
// bfloat16 weights F.linear is the faster: it runs oneDNN's kernels for AVX-512 BF16 and decodes
// 1.8-2.2x faster than mv ("Models of real shape"); float16 follows it. The default is on; off
// gives the straightforward linear layers, the reference the fast paths are tested against.
// model/llama's compiled step follows the same rule (UseMatVec).
var MatVec = true

// UseMatVec reports whether products with weights of dtype dt take the fast paths (MatVec).
func UseMatVec(dt gotch.DType) bool { return MatVec && dt == gotch.Float }

// MatMul is x W^T for x [...,in] and W [out,in], giving [...,out]. With UseMatVec for W's
// dtype it is the compiled step's product (compiled.Linear: a few rows through a written-out
// kernel that reads W in place, as BLAS does not, and one row otherwise through mv), else
// F.linear.
func MatMul(x, w *ts.Tensor) *ts.Tensor {
	if !UseMatVec(w.DType()) {
		return ts.MustLinear(x, w, ts.None)
	}
	y, err := compiled.Linear(x, w)
	if err != nil {
		panic(err)
	}
	return y
}

// RMSNorm is x / sqrt(mean(x^2) + eps) * w over the last axis, computed in float32.
type RMSNorm struct{ W *ts.Tensor }

// WeightPtr makes RMSNorm a weights.Leaf.
func (n *RMSNorm) WeightPtr() **ts.Tensor { return &n.W }

// Forward normalises x [...,d].
func (n *RMSNorm) Forward(x *ts.Tensor, eps float64) *ts.Tensor { return n.ForwardAt(x, eps, nil) }

// ForwardAt is Forward with hook points (at nil: none): at("hook_scale", sqrt(mean(x^2)+eps))
// [...,1] and at("hook_normalized", x/scale) [...,d] (float32, before the weight) may return
// replacements. A replaced scale divides x; otherwise x is multiplied by rsqrt as in Forward.
func (n *RMSNorm) ForwardAt(x *ts.Tensor, eps float64, at func(string, *ts.Tensor) *ts.Tensor) *ts.Tensor {
	s := &tensor.Scope{}
	defer s.Close()
	dt := x.DType()
	if dt != gotch.Float {
		x = s.T(x.MustTotype(gotch.Float, false))
	}
	ms := s.T(x.MustMul(x, false).MustMeanDim([]int64{-1}, true, gotch.Float, true)) // [...,1]
	inv := s.T(ms.MustAddScalar(tensor.Scalar(eps), false).MustRsqrt(true))
	if at != nil {
		scale := s.T(inv.MustReciprocal(false))
		if r := at("hook_scale", scale); r != scale {
			inv = s.T(r.MustReciprocal(false))
		}
	}
	y := s.T(x.MustMul(inv, false))
	if at != nil {
		y = at("hook_normalized", y)
	}
	if dt != gotch.Float {
		y = s.T(y.MustTotype(dt, false))
	}
	return y.MustMul(n.W, false)
}

// Embedding looks rows of W [V,d] up by index.
type Embedding struct{ W *ts.Tensor }

// WeightPtr makes Embedding a weights.Leaf.
func (e *Embedding) WeightPtr() **ts.Tensor { return &e.W }

// Forward gives W[ids] for integer ids [...], [...,d].
func (e *Embedding) Forward(ids *ts.Tensor) *ts.Tensor {
	return ts.MustEmbedding(e.W, ids, -1, false, false)
}

// SwiGLU is Llama's gated MLP, down(silu(gate(x)) * up(x)). The backbone's MLP and CoLA's merge
// MLPs are both SwiGLUs; they differ only in their input width, the symbolic dim "in" that the
// field holding a SwiGLU binds (`dims:"in=d"` in a Llama block, `dims:"in=d2"` in a merge layer).
type SwiGLU struct {
	Gate Linear `st:"gate_proj.weight" shape:"ff,in"`
	Up   Linear `st:"up_proj.weight" shape:"ff,in"`
	Down Linear `st:"down_proj.weight" shape:"d,ff" init:"out"`
}

// Forward applies the MLP to x [...,in], giving [...,d]; intermediates belong to s.
func (m *SwiGLU) Forward(x *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	return m.Out(s.T(m.Gate.Forward(x)), s.T(m.Up.Forward(x)), s)
}

// Out is down(silu(gate) * up) for the two projections gate, up [...,ff], computed apart or as
// one fused matmul.
func (m *SwiGLU) Out(gate, up *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	return m.Down.Forward(s.T(Act(gate, up)))
}

// Act is the gated activation silu(gate) * up, [...,ff].
func Act(gate, up *ts.Tensor) *ts.Tensor { return gate.MustSilu(false).MustMul(up, true) }
