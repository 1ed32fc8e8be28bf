package weights

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/sugarme/gotch"

	"colash/model/tensor"
)

// Init gives every weight of model fresh values, as litgpt's GPT-NeoX-style initialisation of the
// CoLA modules does:
//
//	init:"ones"  1 (norm weights)
//	init:"out"   N(0, (1/sqrt(d)/layers)^2) (residual output projections: o_proj, down_proj)
//	otherwise    N(0, 2/(5d))
//
// where d = dims["d"] and layers = dims["layers"] (1 when absent). The numbers are drawn in Go from
// a PCG stream seeded by (seed, name of the tensor), so a tensor's values depend only on the seed
// and its name: not on libtorch's generator, the device, or which other tensors the model has.
// Tied weights get their own values. Weights already present are replaced (and freed). On error
// nothing stays allocated.
func Init(model any, dims Dims, seed uint64, dev gotch.Device, dt gotch.DType) (err error) {
	d, ok := dims["d"]
	if !ok || d <= 0 {
		return fmt.Errorf("init: dims need the model width d")
	}
	layers := dims["layers"]
	if layers <= 0 {
		layers = 1
	}
	normalStd := math.Sqrt(2 / (5 * float64(d)))
	outStd := 1 / math.Sqrt(float64(d)) / float64(layers)
	params := Walk(model)
	defer func() {
		if err != nil {
			Free(model)
		}
	}()
	Free(model)
	for _, p := range params {
		shape, err := dims.Resolve(p)
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		n := int64(1)
		for _, s := range shape {
			n *= s
		}
		v := make([]float32, n)
		switch p.Init {
		case "ones":
			for i := range v {
				v[i] = 1
			}
		case "out":
			fillNormal(v, outStd, seed, p.Name)
		case "":
			fillNormal(v, normalStd, seed, p.Name)
		default:
			return fmt.Errorf("init: tensor %q: unknown init %q", p.Name, p.Init)
		}
		if err := tensor.Guard(func() {
			t := tensor.FromFloat32s(v, shape, dev)
			if dt != gotch.Float {
				t = t.MustTotype(dt, true)
			}
			*p.Ptr = t
		}); err != nil {
			return fmt.Errorf("init: tensor %q: %w", p.Name, err)
		}
	}
	return nil
}

func fillNormal(v []float32, std float64, seed uint64, name string) {
	rng := rand.New(rand.NewPCG(seed, Stream(name)))
	for i := range v {
		v[i] = float32(rng.NormFloat64() * std)
	}
}

// Stream is the PCG stream Init draws a tensor's values from (with the seed): a hash of its name.
func Stream(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
