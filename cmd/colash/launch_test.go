package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/engine/search/qlearn"
)

// launchSh runs script under /bin/sh as each rank of an n-process job.
func launchSh(t *testing.T, n int, script string) (stdout, stderr string, err error, took time.Duration) {
	t.Helper()
	var out, errb strings.Builder
	start := time.Now()
	err = launch(context.Background(), launchJob{exe: "/bin/sh", args: []string{"-c", script}, n: n, addr: "127.0.0.1", grace: time.Second}, &out, &errb)
	return out.String(), errb.String(), err, time.Since(start)
}

func TestLaunchEnvironmentAndPrefixes(t *testing.T) {
	out, errs, err, _ := launchSh(t, 3, `echo "env $MASTER_ADDR $RANK $WORLD_SIZE $LOCAL_RANK"; echo "port $MASTER_PORT"; echo oops >&2`)
	if err != nil {
		t.Fatal(err, errs)
	}
	for _, want := range []string{"[rank 0] env 127.0.0.1 0 3 0\n", "[rank 1] env 127.0.0.1 1 3 1\n", "[rank 2] env 127.0.0.1 2 3 2\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(errs, "] oops\n") != 3 || !strings.Contains(errs, "[rank 1] oops") {
		t.Errorf("stderr: %q", errs)
	}
	ports := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "port "); i >= 0 {
			ports[l[i:]] = true
		}
	}
	if len(ports) != 1 || ports["port 0"] {
		t.Errorf("ranks got ports %v, want one nonzero port", ports)
	}
}

// TestLaunchFailsFast: one rank failing stops the others at once, even one that ignores SIGINT
// and one whose child holds the output pipe.
func TestLaunchFailsFast(t *testing.T) {
	_, _, err, took := launchSh(t, 3, `case $RANK in 1) sleep 0.2; exit 3;; 0) trap "" INT; sleep 60;; *) sleep 60; esac`)
	if err == nil || !strings.Contains(err.Error(), "rank 1 failed (exit status 3)") {
		t.Fatalf("error %v, want rank 1's failure", err)
	}
	if took > 20*time.Second {
		t.Errorf("the job took %v to stop", took)
	}
}

// Subcommands join one by one: qnet train does, qnet collect does not.
func TestJoinsJob(t *testing.T) {
	for cmd, want := range map[string]bool{"train stage1": true, "rl": true, "qnet train --data x": true, "qnet collect": false, "rm train --data x": true, "qnet": false, "generate": false} {
		if got := joinsJob(strings.Fields(cmd)); got != want {
			t.Errorf("colash %s joins: %v, want %v", cmd, got, want)
		}
	}
}

func TestLaunchRejectsBadCommands(t *testing.T) {
	for _, args := range [][]string{{"-n", "2"}, {"-n", "2", "--", "nope"}, {"--", "launch", "x"}, {"--", "generate"}, {"--", "qnet", "collect"}, {"--", "qnet"}} {
		if err := runLaunch(args); err == nil {
			t.Errorf("launch %v: no error", args)
		}
	}
	if err := launch(context.Background(), launchJob{exe: "/bin/true", n: 0, addr: "127.0.0.1"}, nil, nil); err == nil {
		t.Error("-n 0: no error")
	}
}

// A recipe under colash launch runs its train stages data-parallel on both ranks (the losses of
// one process, up to the order of float sums), its other stages once on rank 0, and rank 0
// alone writes the results folder.
func TestLaunchedRecipeMatchesOneProcess(t *testing.T) {
	dir := t.TempDir()
	recipe := "../../recipes/tiny-cola/tiny-cola.toml"
	one, two := filepath.Join(dir, "one"), filepath.Join(dir, "two")
	if _, errs, err := colash(t, "recipe", "run", recipe, "--smoke", "--out", one, "--set", "model.threads=1"); err != nil {
		t.Fatalf("one process: %v\n%s", err, errs)
	}
	_, errs, err := colash(t, "launch", "-n", "2", "--", "recipe", "run", recipe, "--smoke", "--out", two, "--set", "model.threads=1")
	if err != nil {
		t.Fatalf("two ranks: %v\n%s", err, errs)
	}
	if strings.Contains(errs, "[rank 1] stage data") || strings.Count(errs, "[rank 0] stage data (sample)") != 1 ||
		!strings.Contains(errs, "[rank 1] stage stage1 (train): rank 1 of 2") || !strings.Contains(errs, "[rank 1] stage bc (train): rank 1 of 2") {
		t.Errorf("rank 1 did not join the train stages alone, or rank 0 did not run the sample stage once:\n%s", errs)
	}
	for _, f := range []string{"results.json", "report.md", "data/done.json", "stage1/done.json", "bc/model/config.json"} {
		if _, err := os.Stat(filepath.Join(two, f)); err != nil {
			t.Errorf("the launched run wrote no %s", f)
		}
	}
	// report.md's rerun line is the launch, not one rank's command.
	if b, _ := os.ReadFile(filepath.Join(two, "report.md")); !strings.Contains(string(b), "colash launch -n 2 -- recipe run "+recipe) {
		t.Errorf("report.md does not rerun the launch:\n%s", b)
	}
	losses := func(out string) []float64 {
		lines, err := run.ReadMetrics(filepath.Join(out, "stage1", "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var l []float64
		for _, m := range lines {
			l = append(l, m["loss"].(float64))
		}
		return l
	}
	a, b := losses(one), losses(two)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("stage 1 logged %d updates alone, %d on two ranks", len(a), len(b))
	}
	for i := range a {
		if d := math.Abs(a[i]-b[i]) / a[i]; d > 1e-3 {
			t.Errorf("update %d: loss %.6f alone, %.6f on two ranks", i+1, a[i], b[i])
		}
	}
}

// Two machines, each running colash launch with --nnodes 2 and its own --node-rank, make one job:
// ranks numbered node by node, one world size; on loopback they train stage 1 to the losses of
// one process.
func TestLaunchOnTwoNodes(t *testing.T) {
	var out strings.Builder
	for node := range 2 {
		j := launchJob{exe: "/bin/sh", args: []string{"-c", `echo "r $RANK w $WORLD_SIZE l $LOCAL_RANK n $GROUP_RANK"`},
			n: 2, nnodes: 2, nodeRank: node, port: 29999, addr: "127.0.0.1", grace: time.Second}
		if err := launch(context.Background(), j, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"[rank 0] r 0 w 4 l 0 n 0", "[rank 1] r 1 w 4 l 1 n 0", "[rank 2] r 2 w 4 l 0 n 1", "[rank 3] r 3 w 4 l 1 n 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	if err := launch(context.Background(), launchJob{exe: "/bin/true", n: 1, nnodes: 2, addr: "127.0.0.1"}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "--master-port") {
		t.Errorf("two nodes without a port: %v", err)
	}

	dir := t.TempDir()
	job := newTinyStage1(t, dir)
	if _, errs, err := colash(t, job.args(filepath.Join(dir, "one"))...); err != nil {
		t.Fatalf("one process: %v\n%s", err, errs)
	}
	port, err := freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	err = together(2, func(node int) error {
		args := append([]string{"launch", "-n", "1", "--nnodes", "2", "--node-rank", strconv.Itoa(node),
			"--master-addr", "127.0.0.1", "--master-port", strconv.Itoa(port), "--"}, job.args(filepath.Join(dir, "two"))...)
		if _, errs, err := colash(t, args...); err != nil {
			return fmt.Errorf("node %d: %v\n%s", node, err, errs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameLosses(t, filepath.Join(dir, "one"), filepath.Join(dir, "two"), 1e-4)
}

// A job's results name the command that reruns it: launched on one machine or, from
// LOCAL_WORLD_SIZE, on several.
func TestJobCommand(t *testing.T) {
	for _, c := range []struct {
		size, local int
		want        string
	}{
		{1, 0, "colash recipe run x.toml"},
		{4, 0, "colash launch -n 4 -- recipe run x.toml"},
		{4, 4, "colash launch -n 4 -- recipe run x.toml"},
		{4, 2, "colash launch -n 2 --nnodes 2 --node-rank R --master-addr HOST --master-port P -- recipe run x.toml"},
	} {
		if got := jobCommand(c.size, c.local, "recipe run x.toml"); got != c.want {
			t.Errorf("%d processes, %d a machine: %q, want %q", c.size, c.local, got, c.want)
		}
	}
}

// Ranks given different command lines (per-machine flags aside) refuse to start, each naming
// both lines, instead of summing the gradients of two different jobs.
func TestRanksRefuseDifferentCommands(t *testing.T) {
	if got := jobLine([]string{"rl", "--threads", "2", "--steps", "3", "--device=cpu", "--out", "r"}); got != "rl --steps 3 --out r" {
		t.Fatalf("jobLine: %q", got)
	}
	port, err := freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for rank, steps := range []string{"4", "5"} {
		cmds = append(cmds, exec.Command(colashBinary(t), "train", "stage1", "--model", "../../models/stories260K", "--data", "x.jsonl",
			"--out", filepath.Join(dir, "o"), "--steps", steps, "--threads", strconv.Itoa(rank+1)))
	}
	res := runRanks(port, cmds)
	for range 2 {
		r := <-res
		if r.err == nil || !strings.Contains(r.out, "rank 0 runs `colash train stage1 --model ../../models/stories260K --data x.jsonl") ||
			!strings.Contains(r.out, "--steps 5`") {
			t.Errorf("a rank with other settings: %v\n%s", r.err, r.out)
		}
	}
}

// Ranks given the same command line but other contents under a file's name (another copy of the
// data on another machine) refuse to start, naming the file, instead of training on both.
func TestRanksRefuseDifferentFiles(t *testing.T) {
	port, err := freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	model, err := filepath.Abs("../../models/stories260K")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for _, text := range []string{"a dog", "a cat"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(`{"text": "`+text+`"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(colashBinary(t), "train", "stage1", "--model", model, "--data", "x.jsonl", "--out", "o", "--steps", "4")
		cmd.Dir = dir
		cmds = append(cmds, cmd)
	}
	res := runRanks(port, cmds)
	for range 2 {
		r := <-res
		if r.err == nil || !strings.Contains(r.out, "the ranks read different files: x.jsonl is 18 bytes, sha256") ||
			!strings.Contains(r.out, "on rank 1") {
			t.Errorf("a rank with other data: %v\n%s", r.err, r.out)
		}
	}
}

type rankResult struct {
	out string
	err error
}

// runRanks runs cmds as the ranks of one job on loopback, started by hand as a launcher would,
// and sends each one's combined output when it ends.
func runRanks(port int, cmds []*exec.Cmd) <-chan rankResult {
	res := make(chan rankResult, len(cmds))
	for rank, cmd := range cmds {
		cmd.Env = append(os.Environ(), "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port), "RANK="+strconv.Itoa(rank),
			"WORLD_SIZE="+strconv.Itoa(len(cmds)), "LOCAL_RANK="+strconv.Itoa(rank), "COLASH_DIST_TIMEOUT=60s")
		go func() {
			out, err := cmd.CombinedOutput()
			res <- rankResult{string(out), err}
		}()
	}
	return res
}

// --dist-timeout is the group's collective timeout, as COLASH_DIST_TIMEOUT is.
func TestDistTimeoutFlag(t *testing.T) {
	t.Setenv("COLASH_DIST_TIMEOUT", "")
	var a jobArgs
	j := qlearn.DefaultTrain()
	if err := a.flags("qnet train", &j).Parse([]string{"--dist-timeout", "90s"}); err != nil {
		t.Fatal(err)
	}
	if err := a.setDistTimeout(); err != nil {
		t.Fatal(err)
	}
	if e, err := dist.ReadEnv(); err != nil || e.Timeout != 90*time.Second {
		t.Fatalf("--dist-timeout 90s: timeout %v (%v)", e.Timeout, err)
	}
}
