package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/llama"
	"colash/model/nn"
	"colash/model/tensor"
)

// DecodeBig measures batch-1 greedy decoding of the generated BigConfig model, which is bound by
// memory bandwidth: colash with its matrix-vector fast path and with plain linear layers
// (alternating in this process), PyTorch eager written well (torch.mv), and a streaming read of a
// buffer larger than the caches, the bound both approach.
func DecodeBig(ctx context.Context) ([]Result, error) {
	m, dir, remove, err := openBigModel()
	if err != nil {
		return nil, err
	}
	defer remove()
	cfg := m.Config
	defer m.Free()
	perToken := stepBytes(m)
	const n = 24
	decodeRate(ctx, m, cfg.BOS, 1, 4, false, false) // warm-up
	// Three variants, alternating: the default (matrix-vector products), plain linear layers, and
	// the default on a goroutine locked to its OS thread.
	variants := []struct{ mv, pin bool }{{true, false}, {false, false}, {true, true}}
	rate := make([]float64, len(variants))
	defer func() { nn.MatVec = true }()
	pt, ptErr := 0.0, error(nil)
	for rep := 0; rep < 3; rep++ {
		if ptErr == nil { // PyTorch takes its turn in each round, so that all see the same load
			var r float64
			r, ptErr = TorchDecode(dir, 1, n, tensor.Threads())
			pt = max(pt, r)
		}
		for i, v := range variants {
			nn.MatVec = v.mv
			r, err := decodeRate(ctx, m, cfg.BOS, 1, n, false, v.pin)
			if err != nil {
				return nil, err
			}
			rate[i] = max(rate[i], r)
		}
	}
	mvOnly := matVecRate(m)
	batched, err := batchedFLOPs(ctx, m, cfg.BOS, 8)
	if err != nil {
		return nil, err
	}
	bw := readBandwidth()
	load := LoadAverage()
	res := []Result{
		{Name: "decode d=1024 batch 1, colash", Value: rate[0], Unit: "tok/s",
			Note: fmt.Sprintf("%d tokens, best of 3, %.0f MB read per token; load average %s", n, perToken/1e6, load)},
		{Name: "decode d=1024 batch 1, colash with linear layers (no mv)", Value: rate[1], Unit: "tok/s", Note: "alternating with the row above"},
		{Name: "decode d=1024 batch 1, colash on a goroutine locked to its thread", Value: rate[2], Unit: "tok/s", Note: "alternating with the rows above"},
		{Name: "mv fast path speed-up", Value: rate[0] / rate[1], Unit: "x"},
		{Name: "locked thread speed-up", Value: rate[2] / rate[0], Unit: "x"},
		{Name: "the step's matrix-vector products alone", Value: mvOnly, Unit: "tok/s", Note: "every weight matrix times a vector, nothing else"},
		{Name: "share of the step in matrix-vector products", Value: rate[0] / mvOnly, Unit: "x"},
		{Name: "streaming read of 512 MB (libtorch sum)", Value: bw / 1e9, Unit: "GB/s", Note: "the bound, same run"},
		{Name: "colash weight reads / streaming read", Value: rate[0] * perToken / bw, Unit: "x", Note: "target >= 0.85"},
	}
	res = append(res, batched...)
	if ptErr != nil {
		return append(res, Result{Name: "PyTorch eager (mv), d=1024 batch 1", Note: ptErr.Error()}), nil
	}
	return append(res,
		Result{Name: "PyTorch eager (mv), d=1024 batch 1", Value: pt, Unit: "tok/s", Note: fmt.Sprintf("same model and threads (%d), best of 3, alternating", tensor.Threads())},
		Result{Name: "colash / PyTorch, d=1024 batch 1", Value: rate[0] / pt, Unit: "x", Note: "target >= 0.9"}), nil
}

// readBandwidth is the best of 5 sums over a 512 MB float32 tensor, in bytes per second.
func readBandwidth() float64 {
	const n = 128 << 20
	t := ts.MustOnes([]int64{n}, gotch.Float, gotch.CPU)
	defer t.MustDrop()
	best := time.Duration(1 << 62)
	for i := 0; i < 5; i++ {
		start := time.Now()
		t.MustSum(gotch.Float, false).MustDrop()
		best = min(best, time.Since(start))
	}
	return 4 * n / best.Seconds()
}

// matVecRate times the matrix-vector products of one batch-1 step alone (every block's
// projections and the head, on a vector of ones), best of 5, as steps per second.
func matVecRate(m *llama.Model) float64 { return productRate(m, 0) }

// stepMatrices are the weight matrices one decode step multiplies.
func stepMatrices(m *llama.Model) []*ts.Tensor {
	var mats []*ts.Tensor
	for _, b := range m.Layers {
		mats = append(mats, b.Q.W, b.K.W, b.V.W, b.O.W, b.MLP.Gate.W, b.MLP.Up.W, b.MLP.Down.W)
	}
	return append(mats, m.LMHead.W)
}

// productRate times the products of one step alone, best of 5, as steps per second: with rows 0,
// each weight times a vector (mv); otherwise rows x in times each weight transposed (linear,
// sgemm), as a step of rows sequences runs them.
func productRate(m *llama.Model, rows int64) float64 {
	mats := stepMatrices(m)
	best := time.Duration(1 << 62)
	inputs := map[int64]*ts.Tensor{}
	for _, w := range mats {
		if in := w.MustSize()[1]; inputs[in] == nil {
			shape := []int64{rows, in}
			if rows == 0 {
				shape = shape[1:]
			}
			inputs[in] = ts.MustOnes(shape, w.DType(), gotch.CPU)
		}
	}
	for i := 0; i < 5; i++ {
		start := time.Now()
		for _, w := range mats {
			x := inputs[w.MustSize()[1]]
			if rows == 0 {
				w.MustMatmul(x, false).MustDrop()
			} else {
				ts.MustLinear(x, w, ts.None).MustDrop()
			}
		}
		best = min(best, time.Since(start))
	}
	for _, x := range inputs {
		x.MustDrop()
	}
	return 1 / best.Seconds()
}

// batchedFLOPs measures decoding rows sequences at once (compute-bound where batch 1 is bound by
// memory): the step's arithmetic rate against the same products run alone as sgemm.
func batchedFLOPs(ctx context.Context, m *llama.Model, bos, rows int) ([]Result, error) {
	flops := 0.0 // per token: a multiply and an add per weight of every product
	for _, w := range stepMatrices(m) {
		flops += 2 * float64(w.Numel())
	}
	best := 0.0
	for rep := 0; rep < 3; rep++ {
		r, err := decodeRate(ctx, m, bos, rows, 16, false, false)
		if err != nil {
			return nil, err
		}
		best = max(best, r)
	}
	gemm := productRate(m, int64(rows)) * float64(rows)
	name := fmt.Sprintf("d=1024 batch %d", rows)
	return []Result{
		{Name: "decode " + name + ", colash", Value: best, Unit: "tok/s", Note: "all sequences, 16 tokens each, best of 3"},
		{Name: "decode " + name + ", colash arithmetic", Value: best * flops / 1e9, Unit: "GFLOP/s", Note: "the step's products only"},
		{Name: "the step's products alone as sgemm, " + name, Value: gemm * flops / 1e9, Unit: "GFLOP/s", Note: "same shapes, same run"},
		{Name: "colash / sgemm alone, " + name, Value: best / gemm, Unit: "x"},
	}, nil
}
