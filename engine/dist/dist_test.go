package dist

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/internal/ranktest"
	"colash/model/tensor"
)

// The multi-process tests re-run this test binary once per rank: with helperVar set, TestMain
// runs that scenario instead of the tests and exits with its status.
const helperVar = "COLASH_DIST_HELPER"

func TestMain(m *testing.M) {
	if s := os.Getenv(helperVar); s != "" {
		os.Exit(helper(s))
	}
	os.Exit(m.Run())
}

// values is rank r's test tensor: (r+1) * [1 2 3 4 5 6], shaped 2x3.
func values(r int) []float32 {
	v := make([]float32, 6)
	for i := range v {
		v[i] = float32((r + 1) * (i + 1))
	}
	return v
}

func newT(v []float32) *ts.Tensor { return tensor.FromFloat32s(v, []int64{2, 3}, gotch.CPU) }

func same(got, want []float32) error {
	for i := range want {
		if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 || len(got) != len(want) {
			return fmt.Errorf("got %v, want %v", got, want)
		}
	}
	return nil
}

func helper(scenario string) int {
	ms, _ := strconv.Atoi(os.Getenv("COLASH_DIST_TIMEOUT_MS"))
	e, err := ReadEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// A loaded machine can take seconds to start every rank: rendezvous is generous.
	g, err := New(e, time.Minute, time.Duration(ms)*time.Millisecond)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var run func(*Group) error
	switch scenario {
	case "collectives":
		run = collectives
	case "kill":
		// A closed connection is noticed at once, long before the timeout, and the rank that
		// stopped beating is named within 5 s.
		run = lostPeer(func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }, 5*time.Second)
	case "silent":
		run = lostPeer(func() { time.Sleep(g.Timeout() + time.Second) }, g.Timeout()+2*time.Second)
	case "while-root":
		run = whileRoot
	case "bf16":
		run = bf16
	case "sums":
		run = sums
	}
	if err := run(g); err != nil {
		fmt.Fprintf(os.Stderr, "rank %d: %v\n", g.Rank(), err)
		return 1
	}
	g.Close()
	fmt.Printf("rank %d ok\n", g.Rank())
	return 0
}

// collectives checks every collective's result against the closed form for ranks 0..n-1.
func collectives(g *Group) error {
	n, r := g.Size(), g.Rank()
	sum, avg := make([]float32, 6), make([]float32, 6)
	for i := range sum {
		sum[i] = float32((i + 1) * n * (n + 1) / 2)
		avg[i] = sum[i] / float32(n)
	}
	for _, c := range []struct {
		op   Op
		want []float32
	}{{Sum, sum}, {Avg, avg}} {
		t := newT(values(r)).MustSetRequiresGrad(true, true) // a weight: the mean divides in place
		if err := g.AllReduce(t, c.op); err != nil {
			return err
		}
		if err := same(tensor.Float32s(t), c.want); err != nil {
			return fmt.Errorf("allreduce %d: %v", c.op, err)
		}
	}
	t := newT(values(r))
	if err := g.Broadcast(t, n-1); err != nil {
		return err
	}
	if err := same(tensor.Float32s(t), values(n-1)); err != nil {
		return fmt.Errorf("broadcast: %v", err)
	}
	all, err := g.AllGather(newT(values(r)))
	if err != nil {
		return err
	}
	if len(all) != n {
		return fmt.Errorf("allgather: %d tensors, want %d", len(all), n)
	}
	for k, a := range all {
		if err := same(tensor.Float32s(a), values(k)); err != nil {
			return fmt.Errorf("allgather from rank %d: %v", k, err)
		}
	}
	if err := gatherBytes(g); err != nil {
		return err
	}
	return many(g)
}

// gatherBytes: every rank's bytes, of lengths that are not multiples of the 8 packed in a word
// (rank 0 sends none), come back whole and in rank order.
func gatherBytes(g *Group) error {
	mine := func(r int) []byte {
		b := make([]byte, 13*r)
		for i := range b {
			b[i] = byte(251 - 7*i - r)
		}
		return b
	}
	all, err := g.AllGatherBytes(mine(g.Rank()), gotch.CPU)
	if err != nil {
		return err
	}
	for r, b := range all {
		if string(b) != string(mine(r)) {
			return fmt.Errorf("allgather bytes from rank %d: %v, want %v", r, b, mine(r))
		}
	}
	return nil
}

// many checks the bucketed forms on tensors of several shapes, with buckets small enough that
// they split the list.
func many(g *Group) error {
	BucketBytes = 40
	n, r := g.Size(), g.Rank()
	mk := func(k int) []*ts.Tensor {
		return []*ts.Tensor{newT(values(k)), tensor.FromFloat32s(values(k)[:4], []int64{4}, gotch.CPU),
			tensor.FromFloat32s(values(k)[:5], []int64{1, 5}, gotch.CPU)}
	}
	xs := mk(r)
	if err := g.AllReduceMany(xs, Sum); err != nil {
		return err
	}
	for i, x := range xs {
		want := make([]float32, x.Numel())
		for j := range want {
			want[j] = float32((j + 1) * n * (n + 1) / 2)
		}
		if err := same(tensor.Float32s(x), want); err != nil {
			return fmt.Errorf("allreduce many, tensor %d: %v", i, err)
		}
	}
	xs = mk(r)
	if err := g.BroadcastMany(xs, 0); err != nil {
		return err
	}
	for i, x := range xs {
		if err := same(tensor.Float32s(x), values(0)[:x.Numel()]); err != nil {
			return fmt.Errorf("broadcast many, tensor %d: %v", i, err)
		}
	}
	return g.Barrier()
}

// lostPeer: after a first allreduce the last rank leaves (stop), and every other rank's next
// allreduce must fail within limit, then refuse further work, then close.
func lostPeer(stop func(), limit time.Duration) func(*Group) error {
	return func(g *Group) error {
		if err := g.AllReduce(newT(values(g.Rank())), Sum); err != nil {
			return fmt.Errorf("first allreduce: %w", err)
		}
		if g.Rank() == g.Size()-1 {
			stop()
			return nil
		}
		start := time.Now()
		err := g.AllReduce(newT(values(g.Rank())), Sum)
		took := time.Since(start)
		if err == nil {
			return fmt.Errorf("allreduce with a peer gone succeeded")
		}
		fmt.Printf("rank %d error after %v: %v\n", g.Rank(), took.Round(time.Millisecond), err)
		if took > limit {
			return fmt.Errorf("failed after %v, want <= %v", took, limit)
		}
		if err := g.Barrier(); err == nil || !strings.Contains(err.Error(), "unusable") {
			return fmt.Errorf("barrier after a failure: %v, want group unusable", err)
		}
		return nil
	}
}

// spawn runs scenario on n ranks of this binary (a job still running after ranktest.Limit is
// killed: the test fails, it does not hang).
func spawn(t *testing.T, scenario string, n int, timeout time.Duration) []ranktest.Rank {
	if !withC10d {
		t.Skip("built with -tags nodist: no c10d")
	}
	return ranktest.Run(t, n, helperVar+"="+scenario, "COLASH_DIST_TIMEOUT_MS="+strconv.Itoa(int(timeout.Milliseconds())))
}

// whileRoot: rank 0 works for twice the group's timeout while the others wait, then fails; the
// others see its success, then its failure, and the group stays usable after both.
func whileRoot(g *Group) error {
	slow := func() error { time.Sleep(2 * g.Timeout()); return nil }
	if err := g.WhileRoot(0, g.Timeout()/4, gotch.CPU, slow); err != nil {
		return fmt.Errorf("slow work: %w", err)
	}
	err := g.WhileRoot(0, g.Timeout()/4, gotch.CPU, func() error { return fmt.Errorf("no data") })
	switch {
	case g.Rank() == 0 && (err == nil || err.Error() != "no data"):
		return fmt.Errorf("root's failure: %v", err)
	case g.Rank() > 0 && (err == nil || !strings.Contains(err.Error(), "rank 0 failed")):
		return fmt.Errorf("a waiting rank saw the root's failure as %v", err)
	}
	return g.Barrier()
}

// A rank that waits on rank 0's work longer than the group's timeout does not time out, and
// learns whether it succeeded.
func TestWhileRoot(t *testing.T) {
	t.Parallel()
	for r, res := range spawn(t, "while-root", 3, 2*time.Second) {
		if res.Err != nil || !strings.Contains(res.Stdout, "ok") {
			t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
		}
	}
}

// bf16: the bucketed collectives take bfloat16 tensors (weights and gradients of a model trained
// in bf16), which Gloo cannot reduce: the sums and broadcasts are those of float32 rounded once.
func bf16(g *Group) error {
	n, r := g.Size(), g.Rank()
	mk := func(v []float32) *ts.Tensor {
		return newT(v).MustTotype(gotch.BFloat16, true)
	}
	x, y := mk(values(r)), mk(values(r))
	if err := g.AllReduceMany([]*ts.Tensor{x}, Sum); err != nil {
		return fmt.Errorf("allreduce: %w", err)
	}
	sum := make([]float32, 6)
	for i := range sum {
		sum[i] = float32((i + 1) * n * (n + 1) / 2)
	}
	if x.DType() != gotch.BFloat16 {
		return fmt.Errorf("allreduce left a %v", x.DType())
	}
	if err := same(tensor.Float32s(x.MustTotype(gotch.Float, false)), sum); err != nil {
		return fmt.Errorf("allreduce: %v", err)
	}
	if err := g.BroadcastMany([]*ts.Tensor{y}, n-1); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	return same(tensor.Float32s(y.MustTotype(gotch.Float, false)), values(n-1))
}

func TestBFloat16Buckets(t *testing.T) {
	t.Parallel()
	for r, res := range spawn(t, "bf16", 2, 30*time.Second) {
		if res.Err != nil || !strings.Contains(res.Stdout, "ok") {
			t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
		}
	}
}

func TestCollectives(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 3} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			for r, res := range spawn(t, "collectives", n, 30*time.Second) {
				if res.Err != nil || !strings.Contains(res.Stdout, "ok") {
					t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
				}
			}
		})
	}
}

// TestLostPeer: a rank killed with SIGKILL makes the others' next collective fail within 5 s
// (a timeout of 20 s) with an error naming it; one alive but no longer calling, within the
// timeout, and named by none. They exit cleanly.
func TestLostPeer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		scenario  string
		n         int
		want, not string
		timeout   time.Duration
	}{{"kill", 3, "rank 2 is gone", "", 20 * time.Second}, {"silent", 2, "timed out", "gone", 3 * time.Second}} {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()
			res := spawn(t, c.scenario, c.n, c.timeout)
			for r, res := range res[:c.n-1] {
				if res.Err != nil || !strings.Contains(res.Stdout, c.want) || !strings.Contains(res.Stdout, "ok") ||
					c.not != "" && strings.Contains(res.Stdout, c.not) {
					t.Errorf("rank %d: %v\n%s%s", r, res.Err, res.Stdout, res.Stderr)
				}
				t.Logf("rank %d: %s", r, strings.TrimSpace(res.Stdout))
			}
		})
	}
}
