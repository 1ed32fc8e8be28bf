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

// halfway is a counter with a data cursor that Advance moves before the work that cancelling can
// stop, as a real job's loader or optimiser moves on before the step is whole: cancel, when set,
// is called during step cancelAt, which then returns ctx's error with the cursor moved.
type halfway struct {
	step, sum, cursor int
	cancelAt          int
	cancel            func()
}

func (h *halfway) Advance(ctx context.Context) (any, error) {
	h.cursor++
	if h.step+1 == h.cancelAt {
		h.cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h.step++
	h.sum += h.cursor * h.cursor
	return map[string]any{"sum": h.sum}, nil
}

func (h *halfway) Done() int { return h.step }

func (h *halfway) Save(dir string) error {
	return os.WriteFile(filepath.Join(dir, "state"), []byte(fmt.Sprintf("%d %d %d", h.step, h.sum, h.cursor)), 0o644)
}

func (h *halfway) Load(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "state"))
	if err != nil {
		return err
	}
	_, err = fmt.Sscan(string(b), &h.step, &h.sum, &h.cursor)
	return err
}

// A step cut short by cancelling is not saved: the checkpoint on disk is the last completed
// step's, written at a step boundary, and resuming from it logs what an uninterrupted run does.
func TestLoopInterruptMidStepKeepsTheLastCompletedStep(t *testing.T) {
	whole := t.TempDir()
	if err := Loop(context.Background(), &halfway{}, Options{Steps: 8, Out: whole}); err != nil {
		t.Fatal(err)
	}
	want := read(t, filepath.Join(whole, "metrics.jsonl"))

	// Cancelled during step 5, after step 4's checkpoint: step 4 stays on disk as it was.
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	err := Loop(ctx, &halfway{cancelAt: 5, cancel: cancel}, Options{Steps: 8, Out: out, SaveEvery: 2})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupt during step 5: %v", err)
	}
	var st halfway
	if err := st.Load(CheckpointDir(out)); err != nil || st.step != 4 || st.cursor != 4 || st.sum != 1+4+9+16 {
		t.Fatalf("checkpoint after an interrupt during step 5: %+v, %v; want step 4's (cursor 4, sum 30)", st, err)
	}
	if !strings.Contains(err.Error(), "during step 5") || !strings.Contains(err.Error(), "checkpoint of step 4") {
		t.Errorf("interrupt during step 5: %v", err)
	}

	// Cancelled during step 6, two steps after the last checkpoint (step 3): it stays at step 3,
	// and the resumed run's log is the uninterrupted run's.
	out = t.TempDir()
	ctx, cancel = context.WithCancel(context.Background())
	err = Loop(ctx, &halfway{cancelAt: 6, cancel: cancel}, Options{Steps: 8, Out: out, SaveEvery: 3})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupt during step 6: %v", err)
	}
	st = halfway{}
	if err := st.Load(CheckpointDir(out)); err != nil || st.step != 3 || st.cursor != 3 {
		t.Errorf("checkpoint after an interrupt during step 6: %+v, %v; want step 3's", st, err)
	}
	if err := Loop(context.Background(), &halfway{}, Options{Steps: 8, Out: out, SaveEvery: 3, Resume: Required}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(out, "metrics.jsonl")); got != want {
		t.Fatalf("resumed log differs from the uninterrupted one:\n%s\nwant\n%s", got, want)
	}

	// Cancelled during the first step of a fresh run: there is no checkpoint to write.
	out = t.TempDir()
	ctx, cancel = context.WithCancel(context.Background())
	err = Loop(ctx, &halfway{cancelAt: 1, cancel: cancel}, Options{Steps: 8, Out: out})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "before any checkpoint") {
		t.Fatalf("interrupt during step 1: %v", err)
	}
	if _, err := os.Stat(CheckpointDir(out)); !os.IsNotExist(err) {
		t.Fatalf("a checkpoint was written for a step cut short: %v", err)
	}
}
