package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// RealModelEnv names the folder of a model of real shape (colash init --shape ...) that
// decode-real measures; unset, decode-real is skipped.
const RealModelEnv = "COLASH_REAL_MODEL"

// realPrompt is the prompt whose time to first token decode-real measures (50 Llama 3 tokens).
const realPrompt = "Once upon a time, in a small village at the edge of a great forest, there lived an old " +
	"clockmaker who had never once left the valley. Every morning he opened his shop, wound the clocks " +
	"on the wall one by one, and"

// RealDecode loads the model $COLASH_REAL_MODEL names, as stored (a bf16 folder stays bf16), and
// measures at batch 1: loading, the time to the first token of a 50-token prompt, decoding, the
// weight bytes read per second against a streaming read, the same step with nn.MatVec off, and
// its products alone through mv and through linear. A CoLA is measured against its backbone too.
func RealDecode(ctx context.Context) ([]Result, error) {
	dir := os.Getenv(RealModelEnv)
	if dir == "" {
		return []Result{{Name: "decode-real", Note: "skipped: set " + RealModelEnv +
			" to a folder colash init wrote (colash init --shape llama-3.1-8b --out DIR: 16 GB)"}}, nil
	}
	var m *checkpoint.Model
	secs, before, after, err := measured(func() (err error) {
		m, err = checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU})
		return err
	})
	if err != nil {
		return nil, err
	}
	defer m.Free()
	bb := m.Llama
	size := float64(m.NumParams()) * float64(bb.DType.Size())
	what := fmt.Sprintf("%s (%s, %s)", filepath.Base(filepath.Clean(dir)), m.Kind(), tensor.DTypeName(bb.DType))
	res := []Result{
		{Name: "load " + what, Value: secs, Unit: "s", Note: fmt.Sprintf("%.2f GB, %.2f GB/s; load average %s", size/1e9, size/secs/1e9, LoadAverage())},
		{Name: "load RSS growth / weight bytes", Value: float64(after-before) * 1024 / size, Unit: "x", Note: fmt.Sprintf("RSS %d -> %d MiB", before/1024, after/1024)},
	}
	prompt := m.Tok.Encode(realPrompt, tokenizer.EncodeOptions{BOS: true})
	ttft, err := firstTokenSeconds(ctx, generate.NewLlamaSession(bb, len(prompt)+1, false), prompt)
	if err != nil {
		return nil, err
	}
	res = append(res, Result{Name: "time to first token, backbone", Value: ttft, Unit: "s", Note: fmt.Sprintf("%d-token prompt, KV cache", len(prompt))})
	const n = 8
	bos := m.Tok.BOS()
	decodeRate(ctx, bb, bos, 1, 2, false, false) // warm-up
	defer func() { nn.MatVec = true }()
	var mv, linear float64
	for rep := 0; rep < 2; rep++ {
		for _, on := range []bool{true, false} {
			nn.MatVec = on
			r, err := decodeRate(ctx, bb, bos, 1, n, false, false)
			if err != nil {
				return nil, err
			}
			if on {
				mv = max(mv, r)
			} else {
				linear = max(linear, r)
			}
		}
	}
	nn.MatVec = true
	perToken, bw := stepBytes(bb), readBandwidth()
	res = append(res,
		Result{Name: "decode batch 1, " + what, Value: mv, Unit: "tok/s", Note: fmt.Sprintf("%d tokens, best of 2; %.2f GB of weights per token; load average %s", n, perToken/1e9, LoadAverage())},
		Result{Name: "decode batch 1, nn.MatVec off (linear layers)", Value: linear, Unit: "tok/s", Note: "alternating with the row above; the same path for bf16 weights, which never take mv"},
		Result{Name: "weight reads", Value: mv * perToken / 1e9, Unit: "GB/s"},
		Result{Name: "streaming read of 512 MB (libtorch sum, f32)", Value: bw / 1e9, Unit: "GB/s", Note: "same run"},
		Result{Name: "weight reads / streaming read", Value: mv * perToken / bw, Unit: "x"},
		Result{Name: "the step's products alone, mv", Value: productRate(bb, 0), Unit: "tok/s", Note: "every weight matrix times a vector of ones, in the model's dtype"},
		Result{Name: "the step's products alone, linear (one row)", Value: productRate(bb, 1), Unit: "tok/s"})
	if m.CoLA == nil {
		return res, nil
	}
	cttft, err := firstTokenSeconds(ctx, generate.NewCoLASession(m.CoLA, len(prompt)+1, generate.PaperLatent), prompt)
	if err != nil {
		return nil, err
	}
	var c, p float64
	for rep := 0; rep < 2; rep++ {
		rc, err := colaDecodeRate(ctx, m.CoLA, bos, n, generate.PaperLatent)
		if err != nil {
			return nil, err
		}
		rp, err := decodeRate(ctx, bb, bos, 1, n, false, false)
		if err != nil {
			return nil, err
		}
		c, p = max(c, rc), max(p, rp)
	}
	backbone, extra := colaStepBytes(m.CoLA)
	return append(res,
		Result{Name: "time to first token, CoLA", Value: cttft, Unit: "s", Note: "same prompt; codes sampled as in the paper (top-k 40, T 1)"},
		Result{Name: "decode batch 1, CoLA, latent sampling", Value: c, Unit: "tok/s", Note: fmt.Sprintf("%d tokens, best of 2, alternating with the row below", n)},
		Result{Name: "decode batch 1, its backbone alone", Value: p, Unit: "tok/s"},
		Result{Name: "CoLA time per token / backbone's", Value: p / c, Unit: "x"},
		Result{Name: "CoLA weight bytes per token / backbone's", Value: (backbone + extra) / backbone, Unit: "x",
			Note: fmt.Sprintf("%.2f GB against %.2f GB", (backbone+extra)/1e9, backbone/1e9)}), nil
}

// firstTokenSeconds is the time sess takes from a prompt to its first new token (the prompt's
// pass and one sampling step), and closes sess.
func firstTokenSeconds(ctx context.Context, sess generate.Session, prompt []int) (float64, error) {
	defer sess.Close()
	start := time.Now()
	_, err := generate.Generate(ctx, sess, [][]int{prompt}, generate.Options{MaxTokens: 1})
	return time.Since(start).Seconds(), err
}

// measured runs f after returning freed memory to the system, and gives its seconds and the
// process's resident size before and after, in KiB.
func measured(f func() error) (secs float64, before, after int, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	mem.Trim()
	before, _ = mem.ResidentKB()
	start := time.Now()
	err = f()
	secs = time.Since(start).Seconds()
	after, _ = mem.ResidentKB()
	return secs, before, after, err
}
