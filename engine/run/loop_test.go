package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// counter is a job whose state is a step count and a running sum; failAt makes a step fail
// (a crash), as a kill would stop a real job after its last checkpoint.
type counter struct {
	step, sum, failAt int
}

func (c *counter) Advance(ctx context.Context) (any, error) {
	if c.step+1 == c.failAt {
		return nil, errors.New("crash")
	}
	c.step++
	c.sum += c.step * c.step
	return map[string]any{"sum": c.sum}, nil
}

func (c *counter) Done() int { return c.step }

func (c *counter) Save(dir string) error {
	return os.WriteFile(filepath.Join(dir, "state"), []byte(fmt.Sprintf("%d %d", c.step, c.sum)), 0o644)
}

func (c *counter) Load(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "state"))
	if err != nil {
		return err
	}
	_, err = fmt.Sscan(string(b), &c.step, &c.sum)
	return err
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoopResumesToTheSameLog(t *testing.T) {
	ctx := context.Background()
	whole := t.TempDir()
	if err := Loop(ctx, &counter{}, Options{Name: "t", Steps: 10, Out: whole, SaveEvery: 3}); err != nil {
		t.Fatal(err)
	}
	want := read(t, filepath.Join(whole, "metrics.jsonl"))
	if n := strings.Count(want, "\n"); n != 10 || !strings.Contains(want, `{"step":10,"sum":385}`) {
		t.Fatalf("log of an uninterrupted run:\n%s", want)
	}

	// A run that dies at step 8, after its checkpoint at step 6, with a torn last line.
	out := t.TempDir()
	err := Loop(ctx, &counter{failAt: 8}, Options{Name: "t", Steps: 10, Out: out, SaveEvery: 3})
	if err == nil || !strings.Contains(err.Error(), "crash") {
		t.Fatalf("crash: %v", err)
	}
	f, _ := os.OpenFile(filepath.Join(out, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"step":8,"su`)
	f.Close()
	if err := Loop(ctx, &counter{}, Options{Name: "t", Steps: 10, Out: out, Resume: Fresh}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(out, "metrics.jsonl")); got != want {
		t.Fatalf("a fresh run over an old one must start over:\n%s", got)
	}

	out = t.TempDir()
	Loop(ctx, &counter{failAt: 8}, Options{Name: "t", Steps: 10, Out: out, SaveEvery: 3})
	f, _ = os.OpenFile(filepath.Join(out, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"step":8,"su`)
	f.Close()
	job := &counter{}
	if err := Loop(ctx, job, Options{Name: "t", Steps: 10, Out: out, SaveEvery: 3, Resume: Auto}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(out, "metrics.jsonl")); got != want {
		t.Fatalf("resumed log differs from the uninterrupted one:\n%s\nwant\n%s", got, want)
	}
	var st counter
	if err := st.Load(CheckpointDir(out)); err != nil || st != (counter{step: 10, sum: 385}) {
		t.Fatalf("final checkpoint %+v, %v", st, err)
	}
}

func TestLoopResumeModes(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	if err := Loop(ctx, &counter{}, Options{Steps: 3, Out: out, Resume: Required}); err == nil {
		t.Fatal("Required without a checkpoint must fail")
	}
	if err := Loop(ctx, &counter{}, Options{Steps: 3, Out: out, StopAt: 2}); err != nil {
		t.Fatal(err)
	}
	job := &counter{}
	if err := Loop(ctx, job, Options{Steps: 3, Out: out, Resume: Required}); err != nil || job.step != 3 {
		t.Fatalf("resume after StopAt: step %d, %v", job.step, err)
	}
	if n := strings.Count(read(t, filepath.Join(out, "metrics.jsonl")), "\n"); n != 3 {
		t.Fatalf("%d log lines after stop and resume, want 3", n)
	}
}

func TestLoopInterruptSavesACheckpoint(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	err := Loop(ctx, &counter{}, Options{Steps: 10, Out: out, OnStep: func(step int, _ any) {
		if step == 4 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupt: %v", err)
	}
	var st counter
	if err := st.Load(CheckpointDir(out)); err != nil || st.step != 4 {
		t.Fatalf("checkpoint after interrupt at step 4: %+v, %v", st, err)
	}
}

func TestLoopWithoutOutputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	var seen []string
	if err := Loop(context.Background(), &counter{}, Options{Steps: 3, OnStep: func(s int, _ any) { seen = append(seen, strconv.Itoa(s)) }}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 || strings.Join(seen, ",") != "1,2,3" {
		t.Fatalf("files %v, steps seen %v", entries, seen)
	}
}
