package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
)

// --resume alone requires a checkpoint, --resume=auto takes one when there is one, and a job
// torchrun restarted resumes as --resume=auto unless told otherwise.
func TestResumeFlag(t *testing.T) {
	restarted := func(n int) *dist.Group {
		g, err := dist.New(dist.Env{Size: 1, Restart: n}, time.Second, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, c := range []struct {
		args    []string
		restart int
		want    run.Resume
	}{
		{nil, 0, run.Fresh}, {[]string{"--resume"}, 0, run.Required}, {[]string{"--resume=auto"}, 0, run.Auto},
		{[]string{"--resume=false"}, 0, run.Fresh}, {[]string{"--resume=true"}, 0, run.Required},
		{nil, 1, run.Auto}, {[]string{"--resume"}, 2, run.Required}, {[]string{"--resume=auto"}, 1, run.Auto},
	} {
		var r resumeFlag
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		r.register(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got := r.mode(restarted(c.restart)); got != c.want {
			t.Errorf("%v after %d restarts: %q, want %q", c.args, c.restart, got, c.want)
		}
	}
	var r resumeFlag
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	r.register(fs)
	if err := fs.Parse([]string{"--resume=sometimes"}); err == nil || !strings.Contains(err.Error(), "--resume=auto") {
		t.Errorf("--resume=sometimes: %v", err)
	}
}
