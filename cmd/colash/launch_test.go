package main

import (
	"context"
	"strings"
	"testing"
	"time"
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
