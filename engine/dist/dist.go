// Package dist runs collectives across the processes of one job on PyTorch's c10d: a TCPStore
// rendezvous and a Gloo process group (CPU; ProcessGroupNCCL in CUDA builds is the same shim),
// driven from Go through shim.cpp. A world of one is a no-op group that touches no network, so
// single-process code calls the same API.
package dist

import (
	"fmt"
	"sync"
	"time"

	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Op is a reduction.
type Op int

const (
	Sum Op = iota // element-wise sum over ranks
	Avg           // element-wise mean over ranks
)

// Group is one process's membership in a job. Its methods are collectives: every rank must call
// the same ones in the same order with tensors of the same shape and dtype. They are safe for
// concurrent use but run one at a time. After a failed collective the ranks are out of step, so
// the group refuses further work (the job should exit and be restarted).
type Group struct {
	env     Env
	timeout time.Duration
	c       *comm // nil in a world of one

	mu     sync.Mutex
	failed error
}

// FromEnv joins the job described by the environment (ReadEnv). Rendezvous and every collective
// wait at most timeout, unless COLASH_DIST_JOIN_TIMEOUT or COLASH_DIST_TIMEOUT say otherwise; a
// missing or dead peer is an error after it, never a hang.
func FromEnv(timeout time.Duration) (*Group, error) {
	e, err := ReadEnv()
	if err != nil {
		return nil, err
	}
	if e.Timeout > 0 {
		timeout = e.Timeout
	}
	join := timeout
	if e.Join > 0 {
		join = e.Join
	}
	return New(e, join, timeout)
}

// New joins the job e describes. Rendezvous waits up to join for every rank to start (pods of a
// multi-node job can start minutes apart); each collective waits up to timeout.
func New(e Env, join, timeout time.Duration) (*Group, error) {
	if join <= 0 || timeout <= 0 {
		return nil, fmt.Errorf("dist: timeouts %v, %v, want > 0", join, timeout)
	}
	g := &Group{env: e, timeout: timeout}
	if e.Size == 1 {
		return g, nil
	}
	c, err := newComm(e, join, timeout)
	if err != nil {
		return nil, fmt.Errorf("dist: rank %d of %d joining %s:%d (timeout %v): %w", e.Rank, e.Size, e.Addr, e.Port, join, err)
	}
	g.c = c
	return g, nil
}

// Single is the world of one.
func Single() *Group { g, _ := New(Env{Size: 1}, time.Second, time.Second); return g }

// Rank is this process's rank in [0, Size).
func (g *Group) Rank() int { return g.env.Rank }

// Size is the number of processes in the job.
func (g *Group) Size() int { return g.env.Size }

// LocalRank is this process's rank on its node.
func (g *Group) LocalRank() int { return g.env.LocalRank }

// LocalSize is the number of the job's processes on each node (0 when the launcher did not say).
func (g *Group) LocalSize() int { return g.env.LocalSize }

// Restart is how many times a launcher restarted the job (torchrun's TORCHELASTIC_RESTART_COUNT).
func (g *Group) Restart() int { return g.env.Restart }

// Timeout is the longest any collective waits.
func (g *Group) Timeout() time.Duration { return g.timeout }

// AllReduce replaces t, on every rank, by the reduction of all ranks' t. t must be contiguous.
func (g *Group) AllReduce(t *ts.Tensor, op Op) error {
	if op != Sum && op != Avg {
		return fmt.Errorf("dist: unknown reduction %d", op)
	}
	return g.do("allreduce", func(c *comm) error { return c.allReduce(t, op) })
}

// Broadcast replaces t, on every rank, by root's t.
func (g *Group) Broadcast(t *ts.Tensor, root int) error {
	if root < 0 || root >= g.Size() {
		return fmt.Errorf("dist: broadcast root %d outside [0, %d)", root, g.Size())
	}
	return g.do("broadcast", func(c *comm) error { return c.broadcast(t, root) })
}

// AllGather returns every rank's t, indexed by rank, as new tensors the caller frees. In a world
// of one it is a copy of t.
func (g *Group) AllGather(t *ts.Tensor) ([]*ts.Tensor, error) {
	var out []*ts.Tensor
	err := g.do("allgather", func(c *comm) (err error) { out, err = c.allGather(t, g.Size()); return })
	if err == nil && g.c == nil {
		err = tensor.Guard(func() { out = []*ts.Tensor{tensor.Clone(t)} })
	}
	return out, err
}

// Barrier returns once every rank has reached it.
func (g *Group) Barrier() error {
	return g.do("barrier", func(c *comm) error { return c.barrier() })
}

// Close leaves the job. It frees the process group and, on rank 0, stops the rendezvous store.
func (g *Group) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.c != nil {
		g.c.close()
		g.c = nil
		g.failed = fmt.Errorf("dist: group closed")
	}
	return nil
}

// do runs one collective under the lock; in a world of one there is nothing to do.
func (g *Group) do(name string, fn func(*comm) error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed != nil {
		return fmt.Errorf("dist: %s on rank %d: group unusable: %w", name, g.Rank(), g.failed)
	}
	if g.c == nil {
		return nil
	}
	start := time.Now()
	if err := fn(g.c); err != nil {
		g.failed = fmt.Errorf("dist: %s on rank %d of %d failed after %v (timeout %v): %w",
			name, g.Rank(), g.Size(), time.Since(start).Round(time.Millisecond), g.timeout, err)
		return g.failed
	}
	return nil
}

// DefaultTimeout is how long the commands' collectives wait for a peer: longer than any step's
// spread between ranks (torch's Gloo default is 30 min; a dead peer is noticed at once anyway).
const DefaultTimeout = 10 * time.Minute
