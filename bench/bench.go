// Package bench holds colash's benchmarks. Each reports a figure and, where it has one, the
// ratio to a baseline measured in the same run; `colash bench` prints them as a table and
// `go test -bench . ./bench/` runs them under the testing package.
package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/models"
)

// Result is one measured figure.
type Result struct {
	Name  string
	Value float64
	Unit  string
	Note  string
}

// Benchmark measures something and returns its results.
type Benchmark struct {
	Name string
	Run  func(ctx context.Context) ([]Result, error)
}

// All lists the benchmarks `colash bench` runs.
var All = []Benchmark{
	{"decode", Decode},
	{"decode-big", DecodeBig},
	{"decode-cola", CoLADecode},
	{"decode-big-cola", BigCoLADecode},
	{"load", Load},
	{"hooks", Hooks},
	{"soak", Soak},
	{"search", Search},
	{"rl", RLThroughput},
	{"rl-micro", RLMicroBatches},
	{"kernel", KernelStart},
	{"decode-real", RealDecode},
	{"train", Train},
}

// DecodeTokensPerSecond generates n tokens for each of B copies of a one-token prompt and
// returns tokens per second (all sequences together).
func DecodeTokensPerSecond(ctx context.Context, l *checkpoint.Model, B, n int, noCache bool) (float64, error) {
	return decodeRate(ctx, l.Llama, l.Tok.BOS(), B, n, noCache, false)
}

// decodeRate is DecodeTokensPerSecond for a model without a tokenizer, from the token bos. With
// pin, the decoding goroutine keeps its OS thread: libgomp keeps one team of OpenMP threads per
// calling thread, and a goroutine that moves between threads leaves the old teams spinning on the
// cores the new one needs.
func decodeRate(ctx context.Context, m *llama.Model, bos, B, n int, noCache, pin bool) (float64, error) {
	if pin {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	prompts := make([][]int, B)
	for i := range prompts {
		prompts[i] = []int{bos}
	}
	sess := generate.NewLlamaSession(m, n+1, noCache)
	defer sess.Close()
	start := time.Now()
	out, err := generate.Generate(ctx, sess, prompts, generate.Options{MaxTokens: n})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, o := range out {
		total += len(o)
	}
	return float64(total) / time.Since(start).Seconds(), nil
}

// shipped loads the shipped stories260K in f32 on the CPU, and gives its folder.
func shipped() (string, *checkpoint.Model, error) { return shippedModel(models.DefaultName) }

// shippedCoLA loads the shipped CoLA in f32 on the CPU.
func shippedCoLA() (*checkpoint.Model, error) {
	_, m, err := shippedModel(models.DefaultCoLA)
	if err == nil && m.CoLA == nil {
		m.Free()
		err = fmt.Errorf("%s is not a CoLA checkpoint", models.DefaultCoLA)
	}
	return m, err
}

// shippedModel loads the shipped model name in f32 on the CPU, and gives its folder.
func shippedModel(name string) (string, *checkpoint.Model, error) {
	dir, err := models.Path(name)
	if err != nil {
		return "", nil, err
	}
	l, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	return dir, l, err
}

// Decode measures greedy decoding of the shipped stories260K at batch 1 and 32, with the KV
// cache and without it, and reports the cache's speed-up.
func Decode(ctx context.Context) ([]Result, error) {
	dir, l, err := shipped()
	if err != nil {
		return nil, err
	}
	defer l.Free()
	const n = 128
	DecodeTokensPerSecond(ctx, l, 1, 32, false) // warm-up
	var res []Result
	rates := map[string]float64{}
	for _, c := range []struct {
		B       int
		noCache bool
		goOps   bool // llama.Compiled off: the blocks' ops issued from Go one by one
	}{{1, false, false}, {1, false, true}, {32, false, false}, {32, false, true}, {1, true, false}, {32, true, false}} {
		best := 0.0
		for rep := 0; rep < 2; rep++ {
			llama.Compiled = !c.goOps
			r, err := DecodeTokensPerSecond(ctx, l, c.B, n, c.noCache)
			llama.Compiled = true
			if err != nil {
				return nil, err
			}
			best = max(best, r)
		}
		key := fmt.Sprintf("decode stories260K batch %d, %s", c.B, map[bool]string{false: "KV cache", true: "no cache"}[c.noCache])
		if c.goOps {
			key += ", Go ops"
		}
		rates[key] = best
		res = append(res, Result{Name: key, Value: best, Unit: "tok/s", Note: fmt.Sprintf("%d tokens per sequence, greedy, best of 2", n)})
	}
	for _, B := range []int{1, 32} {
		key := fmt.Sprintf("decode stories260K batch %d, KV cache", B)
		res = append(res, Result{Name: fmt.Sprintf("compiled step / Go ops, batch %d", B), Value: rates[key] / rates[key+", Go ops"], Unit: "x"})
	}
	tensors, calls, err := PerToken(ctx, l)
	if err != nil {
		return nil, err
	}
	res = append(res,
		Result{Name: "tensors per decoded token, stories260K batch 1", Value: float64(tensors), Unit: "", Note: fmt.Sprintf("%d layers", l.Llama.Config.Layers)},
		Result{Name: "cgo calls per decoded token, stories260K batch 1", Value: float64(calls), Unit: ""})
	threads := tensor.Threads()
	for _, B := range []int{1, 32} {
		pt, err := TorchDecode(dir, B, n, threads)
		if err != nil {
			res = append(res, Result{Name: fmt.Sprintf("PyTorch eager batch %d", B), Note: err.Error()})
			continue
		}
		ours := rates[fmt.Sprintf("decode stories260K batch %d, KV cache", B)]
		res = append(res,
			Result{Name: fmt.Sprintf("PyTorch eager batch %d, KV cache", B), Value: pt, Unit: "tok/s", Note: fmt.Sprintf("same model and threads (%d), same run", threads)},
			Result{Name: fmt.Sprintf("colash / PyTorch, batch %d", B), Value: ours / pt, Unit: "x"})
	}
	for _, B := range []int{1, 32} {
		on := rates[fmt.Sprintf("decode stories260K batch %d, KV cache", B)]
		off := rates[fmt.Sprintf("decode stories260K batch %d, no cache", B)]
		res = append(res, Result{Name: fmt.Sprintf("KV cache speed-up, batch %d", B), Value: on / off, Unit: "x"})
	}
	return res, nil
}
