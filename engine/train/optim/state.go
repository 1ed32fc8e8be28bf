package optim

import (
	"fmt"
	"strconv"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/safetensors"
	"colash/model/tensor"
)

// Save writes the optimiser state (both moments of every parameter, by name, and the step count)
// to path as safetensors, atomically. Moments are stored as float32.
func (o *AdamW) Save(path string, meta map[string]string) error {
	var srcs []safetensors.TensorSource
	for i, p := range o.Params {
		for _, mv := range []struct {
			prefix string
			t      func() []float32
		}{{"exp_avg.", func() []float32 { return tensor.Float32s(o.M[i]) }},
			{"exp_avg_sq.", func() []float32 { return tensor.Float32s(o.V[i]) }}} {
			shape := []int{}
			for _, d := range p.W.MustSize() {
				shape = append(shape, int(d))
			}
			get := mv.t
			srcs = append(srcs, safetensors.TensorSource{Name: mv.prefix + p.Name, DType: "F32", Shape: shape,
				Bytes: func() (b []byte, err error) {
					err = tensor.Guard(func() { b, err = safetensors.EncodeFloat32(get(), "F32") })
					return
				}})
		}
	}
	md := map[string]string{"step": strconv.FormatInt(o.Steps, 10), "optimizer": "adamw"}
	for k, v := range meta {
		md[k] = v
	}
	if err := safetensors.WriteSources(path, srcs, md); err != nil {
		return fmt.Errorf("save optimizer state: %w", err)
	}
	return nil
}

// Load restores the state written by Save into an optimiser over the same parameters (names and
// shapes must match) and returns the file's metadata.
func (o *AdamW) Load(path string) (map[string]string, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load optimizer state: %w", err)
	}
	defer f.Close()
	md := f.Metadata()
	steps, err := strconv.ParseInt(md["step"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("load optimizer state %s: bad step %q", path, md["step"])
	}
	if n := len(f.Names()); n != 2*len(o.Params) {
		return nil, fmt.Errorf("load optimizer state %s: %d tensors, want %d (2 per parameter)", path, n, 2*len(o.Params))
	}
	for i, p := range o.Params {
		for _, mv := range []struct {
			name string
			dst  *ts.Tensor
		}{{"exp_avg." + p.Name, o.M[i]}, {"exp_avg_sq." + p.Name, o.V[i]}} {
			v, err := f.ReadFloat32(mv.name)
			if err != nil {
				return nil, fmt.Errorf("load optimizer state %s: %w", path, err)
			}
			if err := tensor.Guard(func() {
				dst := mv.dst
				if uint(len(v)) != dst.Numel() {
					panic(fmt.Errorf("tensor %q has %d values, want %d", mv.name, len(v), dst.Numel()))
				}
				src := tensor.FromFloat32s(v, dst.MustSize(), dst.MustDevice())
				if dst.DType() != gotch.Float {
					src = src.MustTotype(dst.DType(), true)
				}
				dst.Copy_(src)
				src.MustDrop()
			}); err != nil {
				return nil, fmt.Errorf("load optimizer state %s: %w", path, err)
			}
		}
	}
	o.Steps = steps
	return md, nil
}
