package llama

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/llama/compiled"
	"colash/model/nn"
	"colash/model/tensor"
)

// Compiled runs hook-free forward passes of blocks as one call into C++ (model/llama/compiled):
// the same ops as block.go, without a cgo crossing per op, and recorded by autograd when a block
// trains. On by default; off gives the Go code of block.go, the reference the compiled step is
// tested against. A pass with hooks always runs the Go code.
var Compiled = true

// runCompiled applies blocks to x as RunBlocks does, or returns nil when the compiled step does
// not apply. The result belongs to s.
func runCompiled(blocks []*Block, c *Config, x *ts.Tensor, att *Attention, cache *KVCache, s *tensor.Scope) *ts.Tensor {
	if !Compiled || att.Hooks != nil || len(blocks) == 0 {
		return nil
	}
	layers := make([]compiled.Layer, len(blocks))
	for i, b := range blocks {
		l := compiled.Layer{AttnNorm: b.AttnNorm.W, O: b.O.W, MLPNorm: b.MLPNorm.W, Down: b.MLP.Down.W}
		if b.fused != nil {
			l.QKV, l.GateUp = b.fused.qkv, b.fused.gateUp
		} else {
			l.Q, l.K, l.V, l.Gate, l.Up = b.Q.W, b.K.W, b.V.W, b.MLP.Gate.W, b.MLP.Up.W
		}
		layers[i] = l
	}
	p := compiled.Pass{X: x, Cos: att.Cos, Sin: att.Sin, Mask: att.Mask, Past: att.Past, Causal: att.causal}
	if cache != nil {
		cache.reserve(att.Past+int(att.T), att.Past)
		p.K, p.V = cache.K, cache.V
	}
	mv := int64(-1) // the fast paths for few rows where nn.MatMul takes them
	if nn.UseMatVec(x.DType()) {
		mv = 0
	}
	out, err := compiled.Blocks(compiled.Shape{Heads: c.Heads, KVHeads: c.KVHeads, Eps: c.NormEps, MatVecMin: mv}, layers, p)
	if err != nil {
		panic(err) // tensor.Guard turns it into the caller's error, as for any failed op
	}
	return s.T(out)
}

// compiledAttend is attend's output from the compiled step's attention; it belongs to s.
func compiledAttend(q, k, v, mask *ts.Tensor, causal bool, s *tensor.Scope) *ts.Tensor {
	out, err := compiled.Attend(q, k, v, mask, causal)
	if err != nil {
		panic(err)
	}
	return s.T(out)
}

// serially runs what follows as the compiled step runs a pass of blocks over x (see
// compiled.Serially) and returns the function that undoes it.
func serially(blocks []*Block, x *ts.Tensor) (restore func()) {
	largest := int64(0)
	for _, b := range blocks {
		for _, w := range []*ts.Tensor{b.Q.W, b.K.W, b.V.W, b.O.W, b.MLP.Gate.W, b.MLP.Up.W, b.MLP.Down.W} {
			largest = max(largest, int64(w.Numel()))
		}
		if b.fused != nil {
			largest = max(largest, int64(b.fused.qkv.Numel()), int64(b.fused.gateUp.Numel()))
		}
	}
	sz := x.MustSize()
	return compiled.Serially(int64(x.Numel())/sz[len(sz)-1], largest)
}
