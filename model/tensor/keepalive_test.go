package tensor

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// TestKeepAliveUnderGC checks that gotch keeps its Go tensors and scalars alive while libtorch
// uses them. Every op below takes a receiver, argument, scalar or tensor list that becomes
// garbage as soon as its C handle has been read (del=false, nothing else refers to it), so a
// wrapper without runtime.KeepAlive lets the garbage collector run the finalizer, which frees the
// C tensor, while the op still reads it. To make such a read fail rather than find the old
// contents, glibc fills freed memory with 0xa5 and unmaps large blocks as soon as they are freed
// (mallocDebug); GC runs as often as it can (GC percent 1 plus a goroutine calling runtime.GC in
// a loop); and the 256x256 matmuls keep a C call running long enough (about a millisecond) for a
// collection and the finalizer to complete inside it. Every result is checked exactly (all
// values are small integers). Against a gotch copy made without the keep-alives, 19 of 20 runs
// crashed (SIGSEGV in atg_matmul or atg_add, once glibc's abort) on a 2-core machine.
//
// It runs for 2 s; COLASH_KEEPALIVE_SECONDS=N runs it for N seconds.
func TestKeepAliveUnderGC(t *testing.T) {
	dur := 2 * time.Second
	if s := os.Getenv("COLASH_KEEPALIVE_SECONDS"); s != "" {
		var n float64
		if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
			t.Fatalf("COLASH_KEEPALIVE_SECONDS=%q: want a positive number", s)
		}
		dur = time.Duration(n * float64(time.Second))
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	mallocDebug(0xa5, 64<<10)
	defer mallocDebug(0, 128<<10) // 128 KiB is glibc's default threshold

	stop := make(chan struct{})
	var collector sync.WaitGroup
	collector.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	})
	defer func() { close(stop); collector.Wait() }()

	workers := max(4, 2*runtime.GOMAXPROCS(0))
	cycles := gcCycles()
	deadline := time.Now().Add(dur)
	var steps atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			errs <- Guard(func() {
				k := newKeepAliveWorker(w)
				for i := 0; time.Now().Before(deadline); i++ {
					if err := k.step(i); err != nil {
						panic(fmt.Sprintf("worker %d, step %d: %v", w, i, err))
					}
					steps.Add(1)
				}
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d steps in %v from %d goroutines, %d GC cycles", steps.Load(), dur, workers, gcCycles()-cycles)
}

// keepAliveWorker holds one goroutine's inputs and the results it expects. The inputs differ
// between workers, so a result computed from memory freed and reused by another worker is wrong.
type keepAliveWorker struct {
	a, b, c     []float32 // vectors of keepAliveLen
	m1, m2      []float32 // keepAliveN x keepAliveN matrices
	wantChain   []float32 // ((a + b) * c + 3) * 2
	wantCat     []float32 // [a, b, c]
	wantMatmul  []float32 // m1 @ m2, plus a (repeated to keepAliveN) added to every row
	wantStacked []float32 // stack([a, b]) - 1
}

const (
	keepAliveLen = 64  // vector length
	keepAliveN   = 256 // matrix size: a matmul takes about a millisecond
)

func newKeepAliveWorker(w int) *keepAliveWorker {
	k := &keepAliveWorker{}
	val := func(i, salt int) float32 { return float32((i*7+w*13+salt)%11 - 5) }
	for i := range keepAliveLen {
		k.a = append(k.a, val(i, 1))
		k.b = append(k.b, val(i, 2))
		k.c = append(k.c, val(i, 3))
		k.wantChain = append(k.wantChain, ((k.a[i]+k.b[i])*k.c[i]+3)*2)
	}
	k.wantCat = slices.Concat(k.a, k.b, k.c)
	// m2[l][j] = g(l) + j%3, so row i of m1 @ m2 is dot(m1[i], g) + (j%3) * sum(m1[i]).
	n := keepAliveN
	g := make([]float32, n)
	for l := range n {
		g[l] = val(l, 5)
	}
	for i := range n * n {
		k.m1 = append(k.m1, val(i, 4))
		k.m2 = append(k.m2, g[i/n]+float32(i%n%3))
	}
	for i := range n {
		var dot, sum float32
		for l := range n {
			dot += k.m1[i*n+l] * g[l]
			sum += k.m1[i*n+l]
		}
		for j := range n {
			k.wantMatmul = append(k.wantMatmul, dot+float32(j%3)*sum+k.a[j%keepAliveLen])
		}
	}
	for _, v := range slices.Concat(k.a, k.b) {
		k.wantStacked = append(k.wantStacked, v-1)
	}
	return k
}

// step runs a few ops whose inputs are all garbage once their handles are read.
func (k *keepAliveWorker) step(i int) error {
	switch i % 4 {
	case 0: // receiver, tensor argument and scalar argument
		r := ts.MustOfSlice(k.a).MustAdd(ts.MustOfSlice(k.b), false).MustMul(ts.MustOfSlice(k.c), false).
			MustAddScalar(ts.FloatScalar(3), false).MustMulScalar(ts.IntScalar(2), false)
		return checkValues("add/mul chain", r, k.wantChain)
	case 1: // tensor list
		r := ts.MustCat([]*ts.Tensor{ts.MustOfSlice(k.a), ts.MustOfSlice(k.b), ts.MustOfSlice(k.c)}, 0)
		return checkValues("cat", r, k.wantCat)
	case 2: // long calls: a collection can finish while libtorch still reads the matrices
		n := int64(keepAliveN)
		cols := ts.MustOfSlice(k.a).MustRepeat([]int64{(n + keepAliveLen - 1) / keepAliveLen}, false).MustNarrow(0, 0, n, false)
		r := ts.MustOfSlice(k.m1).MustView([]int64{n, n}, false).
			MustMatmul(ts.MustOfSlice(k.m2).MustView([]int64{n, n}, false), false).MustAdd(cols, false)
		return checkValues("matmul", r, k.wantMatmul)
	default: // tensor list and scalar
		r := ts.MustStack([]*ts.Tensor{ts.MustOfSlice(k.a), ts.MustOfSlice(k.b)}, 0).MustSubScalar(ts.FloatScalar(1), false)
		return checkValues("stack", r, k.wantStacked)
	}
}

// checkValues drops r and compares its values with want.
func checkValues(what string, r *ts.Tensor, want []float32) error {
	got := Float32s(r)
	r.MustDrop()
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("%s: value %d is %v, want %v", what, i, got[i], want[i])
		}
	}
	return nil
}

func gcCycles() uint32 {
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	return st.NumGC
}

// BenchmarkAddDrop measures one small op and its free: the per-op overhead of the binding.
func BenchmarkAddDrop(b *testing.B) {
	x := FromFloat32s(make([]float32, 16), []int64{16}, gotch.CPU)
	y := FromFloat32s(make([]float32, 16), []int64{16}, gotch.CPU)
	defer Drop(x, y)
	for b.Loop() {
		x.MustAdd(y, false).MustDrop()
	}
}
