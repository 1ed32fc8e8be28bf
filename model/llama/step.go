package llama

import (
	"github.com/sugarme/gotch/ts"

	"colash/model/llama/compiled"
	"colash/model/tensor"
)

// Compiled runs hook-free forward passes of fused blocks (the frozen backbone's) as one call into
// C++ (model/llama/compiled): the same ops as block.go, without a cgo crossing per op. On by
// default; off gives the Go code of block.go, the reference the compiled step is tested against.
// Blocks with hooks, or unfused (trainable) ones, always run the Go code.
var Compiled = true

// runCompiled applies blocks to x as RunBlocks does, or returns nil when the compiled step does
// not apply. The result belongs to s.
func runCompiled(blocks []*Block, c *Config, x *ts.Tensor, att *Attention, cache *KVCache, s *tensor.Scope) *ts.Tensor {
	if !Compiled || att.Hooks != nil || len(blocks) == 0 {
		return nil
	}
	layers := make([]compiled.Layer, len(blocks))
	for i, b := range blocks {
		if b.fused == nil {
			return nil
		}
		layers[i] = compiled.Layer{AttnNorm: b.AttnNorm.W, QKV: b.fused.qkv, O: b.O.W,
			MLPNorm: b.MLPNorm.W, GateUp: b.fused.gateUp, Down: b.MLP.Down.W}
	}
	p := compiled.Pass{X: x, Cos: att.Cos, Sin: att.Sin, Mask: att.Mask, Past: att.Past}
	if cache != nil {
		cache.reserve(att.Past+int(att.T), att.Past)
		p.K, p.V = cache.K, cache.V
	}
	mv := int64(-1) // the compiled step sends every one-row product through mv: without a cgo
	if MatVec {     // crossing per op, the extra reshape costs less than sgemm's packing of W
		mv = 0
	}
	out, err := compiled.Blocks(compiled.Shape{Heads: c.Heads, KVHeads: c.KVHeads, Eps: c.NormEps, MatVecMin: mv}, layers, p)
	if err != nil {
		panic(err) // tensor.Guard turns it into the caller's error, as for any failed op
	}
	return s.T(out)
}
