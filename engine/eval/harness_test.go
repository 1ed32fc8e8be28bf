package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeGen answers from a script keyed by problem index and counts how often
// each prompt was generated.
type fakeGen struct {
	mu      sync.Mutex
	index   map[string]int // prompt → problem index
	probs   []Problem
	sample  func(i, s int, p Problem) string
	calls   map[string]int
	onEvery func(total int) // called after each problem
	total   int
}

func newFakeGen(probs []Problem, sample func(i, s int, p Problem) string) *fakeGen {
	g := &fakeGen{index: map[string]int{}, probs: probs, sample: sample, calls: map[string]int{}}
	for i, p := range probs {
		g.index[MathPrompt(p.Problem)] = i
	}
	return g
}

func (g *fakeGen) Generate(ctx context.Context, prompts []string, k int) ([][]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([][]string, len(prompts))
	for j, prompt := range prompts {
		i, ok := g.index[prompt]
		if !ok {
			return nil, errors.New("unknown prompt")
		}
		g.calls[prompt]++
		for s := 0; s < k; s++ {
			out[j] = append(out[j], g.sample(i, s, g.probs[i]))
		}
		g.total++
		if g.onEvery != nil {
			g.onEvery(g.total)
		}
	}
	return out, nil
}

const nonsense = "I am not sure. Maybe \\boxed{qwertz nonsense}."

func evenGold(i, _ int, p Problem) string {
	if i%2 == 0 {
		return p.Solution
	}
	return nonsense
}

func TestRunAccuracyAndSubjects(t *testing.T) {
	probs := Math500()[:20]
	var progress bytes.Buffer
	rep, err := Run(context.Background(), probs, newFakeGen(probs, evenGold),
		Config{Batch: 3, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Overall.Problems != 20 || rep.Overall.Correct != 10 || rep.Accuracy() != 0.5 {
		t.Fatalf("overall %+v, accuracy %v", rep.Overall, rep.Accuracy())
	}
	wantSubj, wantLevel := map[string]Tally{}, map[int]Tally{}
	for i, p := range probs {
		one := Tally{Problems: 1}
		if i%2 == 0 {
			one.Correct, one.PassAtK, one.MajAtK = 1, 1, 1
		}
		wantSubj[p.Subject] = wantSubj[p.Subject].plus(one)
		wantLevel[p.Level] = wantLevel[p.Level].plus(one)
	}
	for s, want := range wantSubj {
		if got := rep.BySubject[s]; got != want {
			t.Errorf("subject %s: got %+v, want %+v", s, got, want)
		}
	}
	for l, want := range wantLevel {
		if got := rep.ByLevel[l]; got != want {
			t.Errorf("level %d: got %+v, want %+v", l, got, want)
		}
	}
	if len(rep.BySubject) != len(wantSubj) || len(rep.ByLevel) != len(wantLevel) {
		t.Errorf("extra groups: %v %v", rep.BySubject, rep.ByLevel)
	}
	if !strings.Contains(progress.String(), "eval acc  50.0%") || !strings.Contains(progress.String(), "20/20") {
		t.Errorf("progress output %q", progress.String())
	}
	table := rep.String()
	if !strings.Contains(table, "all") || !strings.Contains(table, "50.0%") || !strings.Contains(table, "level 1") {
		t.Errorf("report table:\n%s", table)
	}
	t.Logf("\n%s", table)
}

func TestRunPassAndMajority(t *testing.T) {
	probs := Math500()[:8]
	wrong := func(n int) string { return "so \\boxed{nonsense" + strings.Repeat("q", n) + "}" }
	script := func(i, s int, p Problem) string {
		plan := [4][3]string{
			{p.Solution, p.Solution, wrong(1)}, // acc, pass, maj
			{wrong(1), p.Solution, wrong(1)},   // pass only; majority is wrong
			{wrong(1), wrong(2), p.Solution},   // pass only; tie goes to the first
			{"no idea", "no idea", "no idea"},  // nothing
		}
		return plan[i%4][s]
	}
	rep, err := Run(context.Background(), probs, newFakeGen(probs, script), Config{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := Tally{Problems: 8, Correct: 2, PassAtK: 6, MajAtK: 2, NoAnswer: 2}
	if rep.Overall != want {
		t.Fatalf("got %+v, want %+v", rep.Overall, want)
	}
	if math.Abs(rep.Overall.PassRate()-0.75) > 1e-12 || rep.Overall.MajRate() != 0.25 {
		t.Errorf("rates %v %v", rep.Overall.PassRate(), rep.Overall.MajRate())
	}
	if !strings.Contains(rep.String(), "pass@3") {
		t.Errorf("table lacks pass@3:\n%s", rep.String())
	}
}

func TestMajorityGroupsEquivalentAnswers(t *testing.T) {
	ans, ok := majorityVote([]string{"7", `\frac12`, "0.5", `\dfrac{1}{2}`, ""}, []bool{false, true, true, true, false}, PRM800K)
	if ans != `\frac12` || !ok {
		t.Fatalf("got %q %v", ans, ok)
	}
	if ans, ok := majorityVote([]string{"", ""}, []bool{false, false}, PRM800K); ans != "" || ok {
		t.Fatalf("no answers: got %q %v", ans, ok)
	}
}

func readLines(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", len(recs)+1, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func checkOnce(t *testing.T, g *fakeGen, n int) {
	t.Helper()
	if len(g.calls) != n {
		t.Errorf("%d distinct prompts generated, want %d", len(g.calls), n)
	}
	for p, c := range g.calls {
		if c != 1 {
			t.Errorf("prompt generated %d times: %.40q", c, p)
		}
	}
}

func TestRunResumeAfterSmallerN(t *testing.T) {
	probs := Math500()[:10]
	out := filepath.Join(t.TempDir(), "run.jsonl")
	g := newFakeGen(probs, evenGold)
	if _, err := Run(context.Background(), probs, g, Config{N: 5, OutPath: out}); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), probs, g, Config{N: 10, OutPath: out})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reused != 5 || rep.Generated != 5 || rep.Overall.Correct != 5 {
		t.Errorf("report %+v", rep)
	}
	recs := readLines(t, out)
	if len(recs) != 10 {
		t.Fatalf("%d lines, want 10", len(recs))
	}
	for i, r := range recs {
		if r.ID != probs[i].ID || r.Gold != probs[i].Answer || len(r.Correct) != 1 || r.Correct[0] != (i%2 == 0) {
			t.Errorf("line %d: %+v", i+1, r)
		}
	}
	checkOnce(t, g, 10)
}

func TestRunResumeAfterCancel(t *testing.T) {
	probs := Math500()[:10]
	out := filepath.Join(t.TempDir(), "run.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	g := newFakeGen(probs, evenGold)
	g.onEvery = func(total int) {
		if total == 5 {
			cancel()
		}
	}
	_, err := Run(ctx, probs, g, Config{Batch: 1, OutPath: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if n := len(readLines(t, out)); n != 5 {
		t.Fatalf("after cancel: %d lines, want 5", n)
	}
	g.onEvery = nil
	rep, err := Run(context.Background(), probs, g, Config{Batch: 4, OutPath: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(readLines(t, out)) != 10 || rep.Overall.Problems != 10 || rep.Accuracy() != 0.5 {
		t.Fatalf("after resume: report %+v", rep.Overall)
	}
	checkOnce(t, g, 10)
}

func TestRunRedoesTruncatedLastLine(t *testing.T) {
	probs := Math500()[:4]
	out := filepath.Join(t.TempDir(), "run.jsonl")
	g := newFakeGen(probs, evenGold)
	if _, err := Run(context.Background(), probs, g, Config{N: 3, OutPath: out}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	// Keep two whole lines and half of the third, as a killed run would.
	cut := append(append([]byte{}, lines[0]...), lines[1]...)
	cut = append(cut, lines[2][:len(lines[2])/2]...)
	if err := os.WriteFile(out, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), probs, g, Config{OutPath: out})
	if err != nil {
		t.Fatal(err)
	}
	recs := readLines(t, out)
	if len(recs) != 4 || rep.Reused != 2 || rep.Generated != 2 {
		t.Fatalf("%d lines, report %+v", len(recs), rep)
	}
	if g.calls[MathPrompt(probs[2].Problem)] != 2 || g.calls[MathPrompt(probs[0].Problem)] != 1 {
		t.Errorf("calls %v", g.calls)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	probs := Math500()[:3]
	dir := t.TempDir()
	out := filepath.Join(dir, "run.jsonl")
	g := newFakeGen(probs, evenGold)
	if _, err := Run(context.Background(), probs, g, Config{OutPath: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), probs, g, Config{Samples: 2, OutPath: out}); err == nil {
		t.Error("want an error when k differs from the recorded k")
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{oops\n{\"id\":\"x\"}\n"), 0o644)
	if _, err := Run(context.Background(), probs, g, Config{OutPath: bad}); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Errorf("want an error naming bad.jsonl:1, got %v", err)
	}
	dup := []Problem{probs[0], probs[0]}
	if _, err := Run(context.Background(), dup, g, Config{}); err == nil {
		t.Error("want an error for duplicate IDs")
	}
	if _, err := Run(context.Background(), probs, nil, Config{}); err == nil {
		t.Error("want an error for a nil generator")
	}
	short := generatorFunc(func(ctx context.Context, p []string, k int) ([][]string, error) { return nil, nil })
	if _, err := Run(context.Background(), probs, short, Config{}); err == nil {
		t.Error("want an error for a generator returning too few results")
	}
}

type generatorFunc func(ctx context.Context, prompts []string, k int) ([][]string, error)

func (f generatorFunc) Generate(ctx context.Context, prompts []string, k int) ([][]string, error) {
	return f(ctx, prompts, k)
}

// Run grades with the mode it is given: `\ln 3` is `\ln(3)` for the strict grader only.
func TestRunUsesTheGradingMode(t *testing.T) {
	probs := []Problem{{ID: "p", Problem: "q", Answer: `\ln(3)`}}
	gen := generatorFunc(func(ctx context.Context, p []string, k int) ([][]string, error) {
		return [][]string{{`so \boxed{\ln 3}`}}, nil
	})
	for mode, want := range map[Mode]int{PRM800K: 0, Strict: 1} {
		rep, err := Run(context.Background(), probs, gen, Config{Grading: mode})
		if err != nil || rep.Overall.Correct != want {
			t.Errorf("%v: correct %v (%v), want %d", mode, rep.Overall.Correct, err, want)
		}
	}
}
