package weights

import (
	"fmt"

	"github.com/sugarme/gotch"

	"colash/model/safetensors"
	"colash/model/tensor"
)

// SaveFile writes the current values of params to a safetensors file under their names
// (float32 whatever their dtype, atomically): a trained head, or the weights half of a
// resumable checkpoint.
func SaveFile(path string, params []Param) error {
	srcs := make([]safetensors.TensorSource, 0, len(params))
	for _, p := range params {
		w := *p.Ptr
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

// LoadFile copies the values SaveFile wrote back into params, in place (through a detached
// alias: trainable weights stay leaves), converting to each weight's dtype. Each tensor must
// have as many values as its weight.
func LoadFile(path string, params []Param) error {
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
			w := (*p.Ptr).MustDetach(false)
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
