// Package ranktest runs a test binary as the ranks of one distributed job on loopback, with the
// torchrun environment (engine/dist's contract): the multi-process tests of engine/dist,
// engine/train and engine/rl. It imports none of them, so a package's own tests can use it.
package ranktest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Rank is one rank's exit and output.
type Rank struct {
	Err            error
	Stdout, Stderr string
}

// Limit is how long a job may run: a rank still running then is killed, so a test fails rather
// than hangs.
const Limit = 90 * time.Second

// Run re-runs this test binary n times as ranks 0..n-1 of one job (a free port on 127.0.0.1),
// each with the extra environment env (what tells TestMain which rank work to do), and returns
// every rank's exit once all have ended.
func Run(t testing.TB, n int, env ...string) []Rank {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	out := make([]Rank, n)
	var wg sync.WaitGroup
	for r := range n {
		c := exec.Command(os.Args[0])
		c.Env = append(append(os.Environ(), env...), "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+port,
			"RANK="+strconv.Itoa(r), "WORLD_SIZE="+strconv.Itoa(n), "LOCAL_RANK="+strconv.Itoa(r))
		var so, se bytes.Buffer
		c.Stdout, c.Stderr = &so, &se
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		kill := time.AfterFunc(Limit, func() { c.Process.Kill() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Wait()
			kill.Stop()
			out[r] = Rank{err, so.String(), se.String()}
		}()
	}
	wg.Wait()
	return out
}
