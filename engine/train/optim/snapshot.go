package optim

import (
	"fmt"

	"github.com/sugarme/gotch"

	"colash/model/safetensors"
	"colash/model/tensor"
)

// SaveParams writes the current values of params to a safetensors file (float32, atomically):
// the trained half of a resumable checkpoint, beside the optimiser's own state.
func SaveParams(path string, params []Param) error {
	srcs := make([]safetensors.TensorSource, 0, len(params))
	for _, p := range params {
		w := p.W
		var shape []int
		for _, d := range w.MustSize() {
			shape = append(shape, int(d))
		}
		srcs = append(srcs, safetensors.TensorSource{Name: p.Name, DType: "F32", Shape: shape,
			Bytes: func() (b []byte, err error) {
				if gerr := tensor.Guard(func() { b, err = safetensors.EncodeFloat32(tensor.Float32s(w), "F32") }); gerr != nil {
					return nil, gerr
				}
				return b, err
			}})
	}
	return safetensors.WriteSources(path, srcs, map[string]string{"format": "pt"})
}

// LoadParams copies the values saved by SaveParams back into params, in place (through a
// detached alias: the leaves require grad), converting to each weight's dtype.
func LoadParams(path string, params []Param) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range params {
		v, err := f.ReadFloat32(p.Name)
		if err != nil {
			return err
		}
		if err := tensor.Guard(func() {
			w := p.W.MustDetach(false)
			defer w.MustDrop()
			if uint(len(v)) != w.Numel() {
				panic(fmt.Errorf("tensor %q: %d values, want %d", p.Name, len(v), w.Numel()))
			}
			src := tensor.FromFloat32s(v, w.MustSize(), w.MustDevice())
			if w.DType() != gotch.Float {
				src = src.MustTotype(w.DType(), true)
			}
			defer src.MustDrop()
			w.Copy_(src)
		}); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
