package llama_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/testenv"
	"colash/model/checkpoint"
	"colash/model/tensor"
)

// halfMatmul says why this libtorch cannot multiply float16 matrices on dev ("" when it can):
// libtorch 1.13's CPU kernels have no float16 matmul.
func halfMatmul(dev gotch.Device) string {
	a := ts.MustOnes([]int64{2, 2}, gotch.Half, dev)
	defer a.MustDrop()
	p, err := a.Matmul(a, false)
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return msg
	}
	p.MustDrop()
	return ""
}

// In float16 and bfloat16 the shipped model's prefill (the causal mask) and a left-padded batch
// (the padding mask) give finite logits close to float32's.
func TestHalfPrecisionLogitsMatchFloat32(t *testing.T) {
	devs := []gotch.Device{gotch.CPU}
	if gotch.CUDA.IsAvailable() {
		devs = append(devs, gotch.CudaBuilder(0))
	}
	dir := filepath.Join(testenv.Root(t), "models", "stories260K")
	prompts := [][]int64{{1, 403, 411, 261, 357, 281, 291}, {1, 300}, {1, 40, 41, 42}}
	logits := func(t *testing.T, dev gotch.Device, dt gotch.DType) (prefill, padded []float32) {
		m, err := checkpoint.Open(dir, checkpoint.Options{Device: dev, DType: dt})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Free()
		return allLogits(t, m.Llama, story), paddedLogits(t, m.Llama, prompts, 4)
	}
	for _, dev := range devs {
		prefill, padded := logits(t, dev, gotch.Float)
		for _, dt := range []gotch.DType{gotch.BFloat16, gotch.Half} {
			t.Run(tensor.DeviceName(dev)+"/"+tensor.DTypeShort(dt), func(t *testing.T) {
				if why := halfMatmul(dev); dt == gotch.Half && why != "" {
					t.Skipf("no float16 matmul on %s in this libtorch: %s", tensor.DeviceName(dev), why)
				}
				p, b := logits(t, dev, dt)
				for _, c := range []struct {
					what      string
					got, want []float32
				}{{"prefill", p, prefill}, {"padded batch", b, padded}} {
					for i, v := range c.got {
						if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
							t.Fatalf("%s: logit %d is %g", c.what, i, v)
						}
					}
					worst, scale := maxDiff(c.got, c.want), maxDiff(c.want, make([]float32, len(c.want)))
					t.Logf("%s: max |difference| from float32 %.3g (logits up to %.3g)", c.what, worst, scale)
					if worst > 0.05*scale {
						t.Errorf("%s: %s logits differ from float32's by %.3g (logits up to %.3g)", c.what, strings.ToUpper(tensor.DTypeShort(dt)), worst, scale)
					}
				}
			})
		}
	}
}
