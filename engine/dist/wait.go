package dist

import (
	"fmt"
	"time"

	"github.com/sugarme/gotch"
)

// The states a root sends while the others wait on it (WhileRoot).
const (
	rootWorking int64 = iota
	rootDone
	rootFailed
)

// WhileRoot runs work on rank root while every other rank waits for it, however long it takes:
// a recipe stage that is not data-parallel (an evaluation, a corpus) runs once, on rank 0. A
// waiting collective would fail after the group's timeout, so the root says it is still working
// every interval (from another goroutine: work keeps the caller's OS thread, which libtorch's
// settings belong to). The other ranks return nil once work succeeded, and an error naming the
// root when it failed. The messages are tensors on dev (the group's backend must carry it). A
// world of one just runs work.
func (g *Group) WhileRoot(root int, interval time.Duration, dev gotch.Device, work func() error) error {
	if g == nil || g.Size() == 1 {
		return work()
	}
	if g.Rank() != root {
		for {
			v, err := g.BroadcastInt64s([]int64{rootWorking}, root, dev)
			if err != nil {
				return err
			}
			switch v[0] {
			case rootDone:
				return nil
			case rootFailed:
				return fmt.Errorf("rank %d failed (its output says why)", root)
			}
		}
	}
	stop, stopped := make(chan struct{}), make(chan error, 1)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				stopped <- nil
				return
			case <-t.C:
				if _, err := g.BroadcastInt64s([]int64{rootWorking}, root, dev); err != nil {
					stopped <- err
					return
				}
			}
		}
	}()
	err := work()
	close(stop)
	if herr := <-stopped; herr != nil && err == nil {
		err = herr
	}
	state := rootDone
	if err != nil {
		state = rootFailed
	}
	if _, berr := g.BroadcastInt64s([]int64{state}, root, dev); berr != nil && err == nil {
		err = berr
	}
	return err
}
