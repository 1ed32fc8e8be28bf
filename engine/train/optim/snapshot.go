package optim

import "colash/model/weights"

// SaveParams writes the current values of params to a safetensors file (float32, atomically):
// the trained half of a resumable checkpoint, beside the optimiser's own state.
func SaveParams(path string, params []Param) error {
	return weights.SaveFile(path, asWeights(params))
}

// LoadParams copies the values saved by SaveParams back into params, in place (through a
// detached alias: the leaves require grad), converting to each weight's dtype.
func LoadParams(path string, params []Param) error {
	return weights.LoadFile(path, asWeights(params))
}

func asWeights(params []Param) []weights.Param {
	out := make([]weights.Param, len(params))
	for i := range params {
		out[i] = weights.Param{Name: params[i].Name, Ptr: &params[i].W}
	}
	return out
}
