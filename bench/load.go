package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sugarme/gotch"

	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/safetensors"
	"colash/model/tensor"
)

// Load measures loading the generated BigConfig model from the page cache, stored in float32 and
// in bfloat16 (which stays bfloat16): seconds, GB/s and the resident memory the load adds per
// byte of weights (1 means no second copy). RSS does not depend on how busy the machine is.
func Load(ctx context.Context) ([]Result, error) {
	var res []Result
	for _, dt := range []safetensors.DType{safetensors.F32, safetensors.BF16} {
		r, err := loadOnce(dt)
		if err != nil {
			return nil, err
		}
		res = append(res, r...)
	}
	return res, nil
}

func loadOnce(dt safetensors.DType) ([]Result, error) {
	dir, err := os.MkdirTemp("", "colash-bench-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	size, err := WriteRandomLlama(dir, BigConfig(), dt, 1)
	if err != nil {
		return nil, err
	}
	// A first load puts the file in the page cache and libtorch's one-time allocations behind us.
	warm, err := checkpoint.OpenLlama(dir, checkpoint.Options{Device: gotch.CPU})
	if err != nil {
		return nil, err
	}
	warm.Free()
	raw, err := readSpeed(filepath.Join(dir, safetensors.SingleFileName))
	if err != nil {
		return nil, err
	}
	runtime.GC()
	debug.FreeOSMemory()
	mem.Trim()
	before, err := mem.ResidentKB()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := checkpoint.OpenLlama(dir, checkpoint.Options{Device: gotch.CPU})
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	defer m.Free()
	after, err := mem.ResidentKB()
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("load d=1024 8-layer %s (%.0f MB)", dt, float64(size)/1e6)
	note := fmt.Sprintf("page cache; model computes in %s; load average %s", tensor.DTypeName(m.DType), LoadAverage())
	return []Result{
		{Name: what, Value: secs, Unit: "s", Note: note},
		{Name: what + ", speed", Value: float64(size) / secs / 1e9, Unit: "GB/s", Note: "target >= 1"},
		{Name: what + ", speed / reading the file into fresh Go memory", Value: float64(size) / secs / raw, Unit: "x",
			Note: fmt.Sprintf("baseline %.3g GB/s, same run", raw/1e9)},
		{Name: what + ", RSS growth / weight bytes", Value: float64(after-before) * 1024 / float64(size), Unit: "x",
			Note: fmt.Sprintf("RSS %d -> %d MiB; target <= 1.1", before/1024, after/1024)},
	}, nil
}

// readSpeed reads a file into a fresh buffer (from the page cache: the least any loader does) and
// returns bytes per second.
func readSpeed(path string) (float64, error) {
	start := time.Now()
	b, err := os.ReadFile(path)
	return float64(len(b)) / time.Since(start).Seconds(), err
}

// LoadAverage is the 1-minute load average (from /proc/loadavg), printed beside timings because
// they depend on it; "?" where unknown.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
