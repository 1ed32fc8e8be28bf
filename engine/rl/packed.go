package rl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"colash/engine/train/optim"
	"colash/model/safetensors"
)

// A PPO checkpoint written before the value head was a head.Head holds it as one tensor,
// value_head.weight [1,d+1] (the weights, then the bias), and its moments under that name.
const packedValue = "value_head.weight"

// unpackValueHead returns a folder from which today's trainer loads the checkpoint in dir: dir
// itself, or for a packed value head a temporary copy of its weights and optimiser files with
// the tensor split into value_head.weight [1,d] and value_head.bias [1] (the caller removes it).
func unpackValueHead(dir string) (string, error) {
	f, err := safetensors.Open(filepath.Join(dir, optim.WeightsFile))
	if err != nil {
		return "", err
	}
	_, packed := f.Info(packedValue)
	_, split := f.Info("value_head.bias")
	f.Close()
	if !packed || split {
		return dir, nil
	}
	tmp, err := os.MkdirTemp("", "rl-checkpoint-")
	if err != nil {
		return "", err
	}
	for _, name := range []string{optim.WeightsFile, optim.OptimizerFile} {
		if err := unpackFile(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	return tmp, nil
}

// unpackFile copies the safetensors file src to dst, splitting each packed value head tensor
// (the weights and both moments) into its first d values and its last.
func unpackFile(src, dst string) error {
	f, err := safetensors.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	var out []safetensors.Tensor
	add := func(name string, shape []int, v []float32) error {
		b, err := safetensors.EncodeFloat32(v, "F32")
		out = append(out, safetensors.Tensor{Name: name, DType: "F32", Shape: shape, Data: b})
		return err
	}
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		v, err := f.ReadFloat32(name)
		if err == nil && !strings.HasSuffix(name, packedValue) {
			err = add(name, info.Shape, v)
		} else if err == nil {
			if len(info.Shape) != 2 || info.Shape[0] != 1 || len(v) < 2 {
				return fmt.Errorf("rl: %s: %s is %v, not a packed value head [1,d+1]", src, name, info.Shape)
			}
			d := len(v) - 1
			if err = add(name, []int{1, d}, v[:d]); err == nil {
				err = add(strings.TrimSuffix(name, "weight")+"bias", []int{1}, v[d:])
			}
		}
		if err != nil {
			return err
		}
	}
	return safetensors.Write(dst, out, f.Metadata())
}
