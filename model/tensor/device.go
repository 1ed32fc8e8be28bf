package tensor

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
)

// ParseDevice turns "cpu", "cuda", "cuda:N" or "auto" (CUDA when available, else CPU) into a device.
func ParseDevice(s string) (gotch.Device, error) {
	switch s := strings.ToLower(strings.TrimSpace(s)); {
	case s == "" || s == "auto":
		return gotch.CudaIfAvailable(), nil
	case s == "cpu":
		return gotch.CPU, nil
	case s == "cuda" || s == "gpu" || strings.HasPrefix(s, "cuda:"):
		if !gotch.CUDA.IsAvailable() {
			return gotch.CPU, fmt.Errorf("device %q: CUDA is not available (this libtorch was built without CUDA, or no GPU is visible)", s)
		}
		idx := 0
		if i := strings.IndexByte(s, ':'); i >= 0 {
			n, err := strconv.Atoi(s[i+1:])
			if err != nil || n < 0 || int64(n) >= gotch.CUDA.DeviceCount() {
				return gotch.CPU, fmt.Errorf("device %q: no such CUDA device (%d visible)", s, gotch.CUDA.DeviceCount())
			}
			idx = n
		}
		return gotch.CudaBuilder(uint(idx)), nil
	}
	return gotch.CPU, fmt.Errorf("device %q: want cpu, cuda, cuda:N or auto", s)
}

// OnLocalRank is device s for the process of local rank r on its machine (LOCAL_RANK under a
// launcher): "cuda" or "gpu" (and "auto" where CUDA is available) mean cuda:r, so that the
// processes of one machine take one GPU each; cpu and an explicit cuda:N stay as they are.
func OnLocalRank(s string, r int) string {
	switch t := strings.ToLower(strings.TrimSpace(s)); {
	case t == "cuda" || t == "gpu" || ((t == "" || t == "auto") && gotch.CUDA.IsAvailable()):
		return fmt.Sprintf("cuda:%d", r)
	}
	return s
}

// DeviceName is the inverse of ParseDevice.
func DeviceName(d gotch.Device) string {
	if d.Name == "CPU" {
		return "cpu"
	}
	return fmt.Sprintf("cuda:%d", d.Value)
}

// dtypes are the float types colash computes in: the short name flags use, the long one
// config.json uses, and other spellings ParseDType accepts.
var dtypes = []struct {
	dt          gotch.DType
	short, long string
	alias       string
}{
	{gotch.Float, "f32", "float32", "float"},
	{gotch.Half, "f16", "float16", "half"},
	{gotch.BFloat16, "bf16", "bfloat16", ""},
}

// AsStored is the load dtype "auto": compute in the float type the checkpoint stores (a bf16
// release stays bf16 and can be mapped, a float32 file stays float32). It is gotch's Uint8, never
// a compute dtype, which is also the zero value of checkpoint.Options.DType.
const AsStored = gotch.Uint8

// ParseDType accepts f32/float32, f16/float16, bf16/bfloat16 ("" is f32), and auto (AsStored) for
// a model's load dtype.
func ParseDType(s string) (gotch.DType, error) {
	s = strings.ToLower(s)
	if s == "auto" {
		return AsStored, nil
	}
	for _, d := range dtypes {
		if s == d.short || s == d.long || (s == d.alias && s != "") || (s == "" && d.dt == gotch.Float) {
			return d.dt, nil
		}
	}
	return gotch.Float, fmt.Errorf("dtype %q: want auto, f32, f16 or bf16", s)
}

// DTypeName names a dtype the way safetensors and config.json do (float32, bfloat16, ...).
func DTypeName(dt gotch.DType) string {
	for _, d := range dtypes {
		if d.dt == dt {
			return d.long
		}
	}
	return "float32"
}

// DTypeShort names a dtype as colash's flags do: f32, f16, bf16, or auto (AsStored).
func DTypeShort(dt gotch.DType) string {
	if dt == AsStored {
		return "auto"
	}
	for _, d := range dtypes {
		if d.dt == dt {
			return d.short
		}
	}
	return "f32"
}

// SetThreads sets libtorch's intra-op thread count; n <= 0 means one per core. It must run before
// the first tensor operation: each OS thread picks the value up at its first parallel op.
func SetThreads(n int) {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	lib.AtSetNumThreads(n)
}

// Threads reports libtorch's intra-op thread count.
func Threads() int { return lib.AtGetNumThreads() }
