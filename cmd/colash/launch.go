package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"colash/engine/dist"
)

func init() {
	register("launch", "run N local processes of a colash command as one distributed job (like torchrun)", runLaunch).
		withUsage(launchUsage).
		withDoc(launchDoc).
		withExample("colash launch -n 2 -- train stage1 --model stories260K --data text.jsonl --out two --threads 1",
			"colash launch -n 1 --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --master-port 29500 -- rl --model cola --out r --threads 1",
			"colash launch -n 2 -- rl --model cola --task story-word --steps 3 --out r2 --threads 1",
			"colash launch -n 2 -- recipe run recipes/tiny-cola/tiny-cola.toml --smoke --out smoke2")
}

const launchUsage = "colash launch -n N [--nnodes M --node-rank R] [--master-addr HOST] [--master-port P] [--any] -- COMMAND [ARGS...]"

const launchDoc = `Starts N processes of 'colash COMMAND ARGS...' with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
and LOCAL_RANK set (the torchrun contract, engine/dist), prefixes their output lines with
"[rank R] ", and stops the job as soon as one process fails. Each process uses every core unless
the command is given --threads; on one machine, share them out (N x threads <= cores).
On M machines, run colash launch on each with --nnodes M, its own --node-rank and the same
--master-addr (node 0's host) and --master-port: the ranks are numbered node by node, and a
failure stops the ranks of its own machine (the others fail at their next collective).
Commands that run data-parallel: train, rl, qnet train, rm train, and recipe run, whose train, rl,
rm and qnet-train stages run on every rank while rank 0 alone runs the others (docs/distributed.md).`

func runLaunch(args []string) error {
	fs := newFlags("launch")
	n := fs.Int("n", 2, "processes on this machine (torchrun's --nproc-per-node)")
	nnodes := fs.Int("nnodes", 1, "machines in the job, each running its own colash launch")
	nodeRank := fs.Int("node-rank", 0, "this machine's place in [0, nnodes): its ranks are node-rank*n ... node-rank*n+n-1")
	port := fs.Int("master-port", 0, "rendezvous port on rank 0's machine (0: a free one; required with --nnodes > 1)")
	addr := fs.String("master-addr", "127.0.0.1", "rendezvous address: the host of rank 0 (node rank 0)")
	anyCmd := fs.Bool("any", false, "launch a command that does not join the job (N independent copies)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := fs.Args()
	if len(cmd) == 0 {
		return fmt.Errorf("no command to launch\nusage: %s", launchUsage)
	}
	if _, ok := commands[cmd[0]]; !ok || cmd[0] == "launch" {
		return fmt.Errorf("cannot launch %q: not a colash command", cmd[0])
	}
	if !joinsJob(cmd) && !*anyCmd {
		return fmt.Errorf("colash %s does not run as one job over processes (train, rl, qnet train and rm train do): N copies would "+
			"each do the whole work and write the same outputs; --any launches them anyway", cmd[0])
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	j := launchJob{exe: exe, args: cmd, n: *n, nnodes: *nnodes, nodeRank: *nodeRank, port: *port, addr: *addr, grace: 5 * time.Second}
	return launch(ctx, j, os.Stdout, os.Stderr)
}

// joins lists the commands (and subcommands) that join the job described by the environment
// (engine/dist).
var joins = map[string]bool{"train": true, "rl": true, "qnet train": true, "rm train": true, "recipe run": true}

// joinsJob says whether the command line cmd joins the job.
func joinsJob(cmd []string) bool {
	return joins[cmd[0]] || (len(cmd) > 1 && joins[cmd[0]+" "+cmd[1]])
}

// joinJob is what a command that joins the job runs under: a context cancelled on Ctrl-C and the
// group from the environment (under colash launch or torchrun one rank of a data-parallel run,
// else a world of one), whose ranks were all given this command line. done releases both.
func joinJob() (ctx context.Context, g *dist.Group, done func(), err error) {
	ctx, stop := stopContext()
	if g, err = dist.FromEnv(dist.DefaultTimeout); err != nil {
		stop()
		return nil, nil, nil, err
	}
	if err := checkSameJob(g, os.Args[1:]); err != nil {
		g.Close()
		stop()
		return nil, nil, nil, err
	}
	return ctx, g, func() { g.Close(); stop() }, nil
}

// jobCommand is the command line that reruns cmd (colash's arguments) as a job of size processes,
// local of them a machine (0: unknown), runs it: under a launcher (colash launch or torchrun),
// colash launch with as many processes per machine.
func jobCommand(size, local int, cmd string) string {
	if size <= 1 {
		return "colash " + cmd
	}
	if local > 0 && local < size {
		return fmt.Sprintf("colash launch -n %d --nnodes %d --node-rank R --master-addr HOST --master-port P -- %s",
			local, size/local, cmd)
	}
	return fmt.Sprintf("colash launch -n %d -- %s", size, cmd)
}

// launchJob is n copies of one command line on this machine, node nodeRank of nnodes.
type launchJob struct {
	exe                 string
	args                []string
	n, nnodes, nodeRank int
	port                int
	addr                string
	grace               time.Duration // from SIGINT to SIGKILL when the job is stopped
}

// launch runs the job and returns nil when every rank exits 0. The first rank to fail, or ctx
// ending, stops the others: SIGINT (colash commands checkpoint on it, as on Ctrl-C), then
// SIGKILL after the grace period.
func launch(ctx context.Context, j launchJob, stdout, stderr io.Writer) error {
	j.nnodes = max(j.nnodes, 1)
	switch {
	case j.n < 1:
		return fmt.Errorf("-n %d: want at least 1 process", j.n)
	case j.nodeRank < 0 || j.nodeRank >= j.nnodes:
		return fmt.Errorf("--node-rank %d: want 0 <= node rank < --nnodes %d", j.nodeRank, j.nnodes)
	case j.nnodes > 1 && j.port == 0:
		return fmt.Errorf("--nnodes %d needs --master-port: every machine must name the same one", j.nnodes)
	}
	if j.port == 0 {
		p, err := freePort(j.addr)
		if err != nil {
			return err
		}
		j.port = p
	}
	var outMu sync.Mutex // lines from different ranks never interleave
	type exit struct {
		rank int
		err  error
	}
	exits := make(chan exit, j.n)
	var procs []*exec.Cmd
	for local := 0; local < j.n; local++ {
		r := j.nodeRank*j.n + local
		c := exec.Command(j.exe, j.args...)
		// Its own process group: stopping a rank stops whatever it started, which could otherwise
		// hold the output pipes open.
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		c.Env = append(os.Environ(), "MASTER_ADDR="+j.addr, "MASTER_PORT="+strconv.Itoa(j.port),
			"RANK="+strconv.Itoa(r), "WORLD_SIZE="+strconv.Itoa(j.n*j.nnodes), "LOCAL_RANK="+strconv.Itoa(local),
			"LOCAL_WORLD_SIZE="+strconv.Itoa(j.n), "GROUP_RANK="+strconv.Itoa(j.nodeRank))
		out, err1 := c.StdoutPipe()
		errOut, err2 := c.StderrPipe()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			stopAll(procs, 0)
			return fmt.Errorf("rank %d: %w", r, err)
		}
		procs = append(procs, c)
		prefix := fmt.Sprintf("[rank %d] ", r)
		go func() {
			var drained sync.WaitGroup // Wait closes the pipes: read them to the end first
			drained.Add(2)
			go copyLines(&drained, &outMu, out, stdout, prefix)
			go copyLines(&drained, &outMu, errOut, stderr, prefix)
			drained.Wait()
			exits <- exit{r, c.Wait()}
		}()
	}
	var first error
	done := ctx.Done()
	for left := j.n; left > 0; {
		select {
		case e := <-exits:
			left--
			if e.err != nil && first == nil {
				first = fmt.Errorf("rank %d failed (%v): job stopped", e.rank, e.err)
				stopAll(procs, j.grace)
			}
		case <-done:
			done = nil
			if first == nil {
				first = errors.New("interrupted: job stopped")
				stopAll(procs, j.grace)
			}
		}
	}
	return first
}

// stopAll asks every rank's process group to end, and kills those still running after grace.
func stopAll(procs []*exec.Cmd, grace time.Duration) {
	signal := func(sig syscall.Signal) {
		for _, c := range procs {
			syscall.Kill(-c.Process.Pid, sig) // a group already gone reports ESRCH: nothing to do
		}
	}
	signal(syscall.SIGINT)
	time.AfterFunc(grace, func() { signal(syscall.SIGKILL) })
}

// copyLines copies r to w line by line, each line prefixed.
func copyLines(wg *sync.WaitGroup, mu *sync.Mutex, r io.Reader, w io.Writer, prefix string) {
	defer wg.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		mu.Lock()
		fmt.Fprintf(w, "%s%s\n", prefix, sc.Bytes())
		mu.Unlock()
	}
	io.Copy(io.Discard, r) // a line over 16 MB: keep the process from blocking on a full pipe
}

// freePort is a TCP port on addr that nothing listens on now.
func freePort(addr string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, fmt.Errorf("no free port on %s: %w", addr, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
