package cola

import (
	"colash/model/llama"
	"colash/model/tensor"
)

// ReadCodes reads the latent codes of a text with the IDM: codes[t] is the argmax of the shifted
// IDM logits at position t, the code of the step that produced token t+1. The last entry has no
// next token (see IDMLogits) and is the IDM's guess from the text alone.
func (m *Model) ReadCodes(ids []int) ([]int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	flat := make([]int64, len(ids))
	for i, id := range ids {
		flat[i] = int64(id)
	}
	x, err := m.Tokens(flat, 1, len(ids))
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	var out []int
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		batch := &llama.Batch{Pad: []int{0}}
		h, err := m.Hidden(x, batch, nil)
		if err != nil {
			panic(err)
		}
		s.T(h)
		z, err := m.IDMLogits(h, batch)
		if err != nil {
			panic(err)
		}
		idx := tensor.Int64s(s.T(s.T(z).MustArgmax([]int64{-1}, false, false))) // [1,T]
		out = make([]int, len(idx))
		for i, v := range idx {
			out[i] = int(v)
		}
	})
	return out, err
}
