package llama2c

import (
	"fmt"

	"colash/model/llama"
	"colash/model/weights"
)

// stacked is a per-layer tensor stored for all layers at once in llama2.c files.
type stacked struct {
	name     string // Hugging Face name after "model.layers.{i}."
	rows     int    // per-layer [rows, cols]
	cols     int
	ropeHead int // if > 0: permute rows for RoPE with this many heads
}

// readTensors reads the weights in the order the format version stores them.
func readTensors(r *reader, c *llama.Config, version int, shared bool) (*weights.Mem, error) {
	d, ff, L, V := c.Dim, c.FFN, c.Layers, c.Vocab
	hd := c.HeadDim()
	kv := c.KVHeads * hd
	m := weights.NewMem()
	var (
		attNorm = stacked{"input_layernorm.weight", 1, d, 0}
		ffnNorm = stacked{"post_attention_layernorm.weight", 1, d, 0}
		wq      = stacked{"self_attn.q_proj.weight", d, d, c.Heads}
		wk      = stacked{"self_attn.k_proj.weight", kv, d, c.KVHeads}
		wv      = stacked{"self_attn.v_proj.weight", kv, d, 0}
		wo      = stacked{"self_attn.o_proj.weight", d, d, 0}
		w1      = stacked{"mlp.gate_proj.weight", ff, d, 0}
		w2      = stacked{"mlp.down_proj.weight", d, ff, 0}
		w3      = stacked{"mlp.up_proj.weight", ff, d, 0}
	)
	readStack := func(s stacked) error {
		for i := 0; i < L; i++ {
			name := fmt.Sprintf("model.layers.%d.%s", i, s.name)
			v, err := r.floats(name, s.rows*s.cols)
			if err != nil {
				return err
			}
			if s.ropeHead > 0 {
				v = permuteRope(v, s.ropeHead, s.rows, s.cols)
			}
			if s.rows == 1 {
				m.Put(name, v, int64(s.cols))
			} else {
				m.Put(name, v, int64(s.rows), int64(s.cols))
			}
		}
		return nil
	}
	readOne := func(name string, shape ...int) error {
		n := 1
		for _, x := range shape {
			n *= x
		}
		v, err := r.floats(name, n)
		if err != nil {
			return err
		}
		s := make([]int64, len(shape))
		for i, x := range shape {
			s[i] = int64(x)
		}
		m.Put(name, v, s...)
		return nil
	}
	var steps []func() error
	if version == 0 {
		steps = []func() error{
			func() error { return readOne("model.embed_tokens.weight", V, d) },
			func() error { return readStack(attNorm) },
			func() error { return readStack(wq) }, func() error { return readStack(wk) },
			func() error { return readStack(wv) }, func() error { return readStack(wo) },
			func() error { return readStack(ffnNorm) },
			func() error { return readStack(w1) }, func() error { return readStack(w2) },
			func() error { return readStack(w3) },
			func() error { return readOne("model.norm.weight", d) },
			func() error { return r.skip(int64(2 * c.MaxPositions * hd / 2 * 4)) }, // legacy RoPE tables
		}
	} else {
		steps = []func() error{
			func() error { return readStack(attNorm) }, func() error { return readStack(ffnNorm) },
			func() error { return readOne("model.norm.weight", d) },
			func() error { return readOne("model.embed_tokens.weight", V, d) },
			func() error { return readStack(wq) }, func() error { return readStack(wk) },
			func() error { return readStack(wv) }, func() error { return readStack(wo) },
			func() error { return readStack(w1) }, func() error { return readStack(w2) },
			func() error { return readStack(w3) },
		}
	}
	if !shared {
		steps = append(steps, func() error { return readOne("lm_head.weight", V, d) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// permuteRope reorders the rows of a q or k projection [heads*hd, cols] from Meta's layout,
// where rotary pairs are adjacent rows (2j, 2j+1), to the Hugging Face layout, where they are
// rows j and j+hd/2 of each head.
func permuteRope(w []float32, heads, rows, cols int) []float32 {
	hd := rows / heads
	out := make([]float32, len(w))
	for h := 0; h < heads; h++ {
		for j := 0; j < hd/2; j++ {
			for p := 0; p < 2; p++ {
				src := (h*hd + 2*j + p) * cols
				dst := (h*hd + p*hd/2 + j) * cols
				copy(out[dst:dst+cols], w[src:src+cols])
			}
		}
	}
	return out
}
