package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sugarme/gotch/ts"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/engine/search"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
	"colash/models"
)

// testbed is the workload of the search and RL throughput benchmarks: the shipped testbed CoLA
// (models/testbed-cola) and seeded countdown problems of its task (engine/tasks), the work the
// testbed's search and RL experiments run.
type testbed struct {
	m       *checkpoint.Model
	task    rl.Task
	prompts [][]int // the problems' prompts, BOS first
}

// openTestbed loads the testbed CoLA and the first n problems of task (an RL task name: cd3 are
// training problems, cd3-test held-out ones).
func openTestbed(task string, n int) (*testbed, error) {
	_, m, err := shippedModel(models.TestbedCoLA)
	if err != nil {
		return nil, err
	}
	if m.CoLA == nil {
		m.Free()
		return nil, fmt.Errorf("%s is not a CoLA checkpoint", models.TestbedCoLA)
	}
	tk, err := search.NewTask(task, rl.TaskOptions{Limit: n})
	if err != nil {
		m.Free()
		return nil, err
	}
	w := &testbed{m: m, task: tk}
	for _, ex := range tk.Examples[:n] {
		w.prompts = append(w.prompts, m.Tok.Encode(ex.Prompt, tokenizer.EncodeOptions{BOS: true}))
	}
	return w, nil
}

// decodeRun is what a timed piece of work computed, and the libtorch tensors and cgo calls it
// made.
type decodeRun struct {
	forward       generate.Forward
	tokens        int // tokens decoded
	secs          float64
	tensors, cgos int64
}

func (r decodeRun) forwardRate() float64 { return float64(r.forward.Total()) / r.secs }

// cgoPerForward is the cgo calls made per forward token.
func (r decodeRun) cgoPerForward() float64 { return float64(r.cgos) / float64(r.forward.Total()) }

// timer starts timing r and counting its tensors and cgo calls; the function it returns stops.
func (r *decodeRun) timer() func() {
	start, t0, c0 := time.Now(), atomic.LoadInt64(&ts.TensorCount), runtime.NumCgoCall()
	return func() {
		r.secs += time.Since(start).Seconds()
		r.tensors += atomic.LoadInt64(&ts.TensorCount) - t0
		r.cgos += runtime.NumCgoCall() - c0
	}
}

// colaDecode is plain batched CoLA decoding of the testbed: B rows (the problems' prompts in
// turn), n new tokens each, codes sampled with lat, no stop token, so every row runs n steps.
// Its forward tokens are counted as search counts its own.
func (w *testbed) colaDecode(ctx context.Context, B, n int, lat generate.Sampling) (decodeRun, error) {
	prompts := make([][]int, B)
	for i := range prompts {
		prompts[i] = w.prompts[i%len(w.prompts)]
	}
	var r decodeRun
	L := len(slices.MaxFunc(prompts, func(a, b []int) int { return len(a) - len(b) }))
	sess := generate.NewCoLASession(w.m.CoLA, L+n+1, lat)
	sess.Count = &r.forward
	defer sess.Close()
	stop := r.timer()
	out, err := generate.Generate(ctx, sess, prompts, generate.Options{MaxTokens: n})
	stop()
	for _, o := range out {
		r.tokens += len(o)
	}
	return r, err
}

// plus is both runs as one.
func (r decodeRun) plus(o decodeRun) decodeRun {
	return decodeRun{forward: r.forward.Plus(o.forward), tokens: r.tokens + o.tokens, secs: r.secs + o.secs,
		tensors: r.tensors + o.tensors, cgos: r.cgos + o.cgos}
}

// decodeFor is colaDecode repeated until it has run for at least secs seconds, as one run: a
// baseline measured over about as long as what it is compared with.
func (w *testbed) decodeFor(ctx context.Context, secs float64, B, n int, lat generate.Sampling) (decodeRun, error) {
	var all decodeRun
	for all.secs < secs {
		r, err := w.colaDecode(ctx, B, n, lat)
		if err != nil {
			return all, err
		}
		all = all.plus(r)
	}
	return all, nil
}
