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
	"github.com/sugarme/gotch/ts"

	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
)

// Load measures loading the generated BigConfig model from the page cache, stored in float32 and
// in bfloat16 (which stays bfloat16), mapped (the default) and copied (--no-mmap): seconds to
// load, seconds to the first token's logits (load and one forward pass, which touches every
// weight), and the private memory that adds per byte of weights (1: a copy of its own; a mapped
// model's pages are the page cache's). Memory does not depend on how busy the machine is.
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
	// A first load of each kind puts the file in the page cache and libtorch's one-time
	// allocations behind us.
	for _, noMmap := range []bool{false, true} {
		if _, err := timeLoad(dir, noMmap); err != nil {
			return nil, err
		}
	}
	raw, err := readSpeed(filepath.Join(dir, safetensors.SingleFileName))
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("load d=1024 8-layer %s (%.0f MB)", dt, float64(size)/1e6)
	res := []Result{{Name: what + ", reading the file into fresh Go memory", Value: float64(size) / raw, Unit: "s",
		Note: fmt.Sprintf("baseline, same run: %.3g GB/s; load average %s", raw/1e9, LoadAverage())}}
	for _, noMmap := range []bool{false, true} {
		r, err := timeLoad(dir, noMmap)
		if err != nil {
			return nil, err
		}
		how := ", mapped"
		if noMmap {
			how = ", copied (--no-mmap)"
		}
		res = append(res,
			Result{Name: what + how, Value: r.load, Unit: "s", Note: fmt.Sprintf("%.3g GB/s", float64(size)/r.load/1e9)},
			Result{Name: what + how + ", to the first token's logits", Value: r.first, Unit: "s",
				Note: "load and one forward pass"},
			Result{Name: what + how + ", private memory / weight bytes", Value: float64(r.privateKB) * 1024 / float64(size),
				Unit: "x", Note: "RssAnon growth to the first token"})
	}
	return res, nil
}

type loadRun struct {
	load, first float64
	privateKB   int
}

// timeLoad loads the model in dir and runs one token through it.
func timeLoad(dir string, noMmap bool) (loadRun, error) {
	var r loadRun
	runtime.GC()
	debug.FreeOSMemory()
	mem.Trim()
	before, err := mem.PrivateKB()
	if err != nil {
		return r, err
	}
	start := time.Now()
	m, err := checkpoint.OpenLlama(dir, checkpoint.Options{Device: gotch.CPU, NoMmap: noMmap})
	if err != nil {
		return r, err
	}
	defer m.Free()
	r.load = time.Since(start).Seconds()
	x := ts.MustOfSlice([]int64{1}).MustView([]int64{1, 1}, true)
	defer x.MustDrop()
	logits, err := m.LastLogits(x, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		return r, err
	}
	logits.MustDrop()
	r.first = time.Since(start).Seconds()
	after, err := mem.PrivateKB()
	r.privateKB = after - before
	return r, err
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
