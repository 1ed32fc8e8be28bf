// Package head is the scalar head put on a Llama's hidden state: a linear map from the width d
// to N numbers, N = 1 for a reward model's score or PPO's value and N = C for a Q-network's
// values of C latent codes,
//
//	y = h Wᵀ + b        h [...,d], W [N,d], b [N] (optional), y [...,N]
//
// with its seeded initialisation, its weights for an optimiser and its own safetensors file.
// engine/rm, engine/rl and model/qnet all use it.
//
// It is a package of its own rather than a module of model/nn: nn's modules are one-weight
// leaves that model/weights walks inside a checkpoint's model struct under names fixed by tags,
// while a head may carry a bias, is named by its user (score.*, value_head.*) and lives in a
// file of its own beside the backbone's folder.
package head

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/nn"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/weights"
)

// Head is y = h Wᵀ + b over the last axis of h.
type Head struct {
	Name string     // tensor names: Name.weight, Name.bias
	W    *ts.Tensor // [N,d]
	B    *ts.Tensor // [N]; nil for a head without bias
}

// Config is a head's shape, placement and initialisation.
type Config struct {
	Name    string // "score" names the tensors score.weight and score.bias
	In, Out int    // d and N
	Bias    bool
	Std     float64 // W ~ N(0, Std²); 0 gives zeros. The bias starts at 0.
	Stream  uint64  // the PCG stream drawn from with the seed
	Device  gotch.Device
	DType   gotch.DType
}

// New makes a head whose weights are drawn in Go from rand.NewPCG(seed, c.Stream): they depend
// only on (seed, stream, std), not on libtorch's generator or the device.
func New(c Config, seed uint64) (*Head, error) {
	if c.In <= 0 || c.Out <= 0 || c.Name == "" {
		return nil, fmt.Errorf("head: %q from %d to %d outputs: want a name and positive sizes", c.Name, c.In, c.Out)
	}
	w := make([]float32, c.In*c.Out)
	if c.Std != 0 {
		r := rand.New(rand.NewPCG(seed, c.Stream))
		for i := range w {
			w[i] = float32(r.NormFloat64() * c.Std)
		}
	}
	h := &Head{Name: c.Name}
	err := tensor.Guard(func() {
		h.W = place(w, []int64{int64(c.Out), int64(c.In)}, c)
		if c.Bias {
			h.B = place(make([]float32, c.Out), []int64{int64(c.Out)}, c)
		}
	})
	if err != nil {
		h.Free()
		return nil, err
	}
	return h, nil
}

func place(v []float32, shape []int64, c Config) *ts.Tensor {
	t := tensor.FromFloat32s(v, shape, c.Device)
	if c.DType != gotch.Float {
		t = t.MustTotype(c.DType, true)
	}
	return t
}

// Forward is h Wᵀ + b for h [...,d], cast to the head's dtype first, giving [...,N]. The
// product is nn.MatMul's, as every linear layer's.
func (h *Head) Forward(x *ts.Tensor) *ts.Tensor {
	if dt := h.W.DType(); x.DType() != dt {
		x = x.MustTotype(dt, false)
		defer x.MustDrop()
	}
	y := nn.MatMul(x, h.W)
	if h.B == nil {
		return y
	}
	return y.MustAdd(h.B, true)
}

// Params lists the head's weights under their checkpoint names (weight, then bias).
func (h *Head) Params() []weights.Param {
	ps := []weights.Param{{Name: h.Name + ".weight", Ptr: &h.W, Shape: []string{"N", "d"}}}
	if h.B != nil {
		ps = append(ps, weights.Param{Name: h.Name + ".bias", Ptr: &h.B, Shape: []string{"N"}})
	}
	return ps
}

// Free releases the weights (a nil head has none).
func (h *Head) Free() {
	if h == nil {
		return
	}
	tensor.Drop(h.W, h.B)
	h.W, h.B = nil, nil
}

// Save writes the weights to a safetensors file of their own (float32 whatever the head's dtype).
func (h *Head) Save(path string) error { return weights.SaveFile(path, h.Params()) }

// Load copies the weights Save wrote into the head in place (a trainable head stays a leaf),
// converting to the head's dtype. The file must hold each of the head's tensors at the head's
// shape, and no bias when the head has none.
func (h *Head) Load(path string) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, ok := f.Info(h.Name + ".bias"); ok && h.B == nil {
		return fmt.Errorf("head: %s has %s.bias; this head has no bias", path, h.Name)
	}
	for _, p := range h.Params() {
		info, ok := f.Info(p.Name)
		if !ok {
			return fmt.Errorf("head: %s has no tensor %q", path, p.Name)
		}
		shape := make([]int64, len(info.Shape))
		for i, d := range info.Shape {
			shape[i] = int64(d)
		}
		if want := (*p.Ptr).MustSize(); !slices.Equal(shape, want) {
			return fmt.Errorf("head: %s: %s is %v, the head's %v", path, p.Name, shape, want)
		}
	}
	return weights.LoadFile(path, h.Params())
}
