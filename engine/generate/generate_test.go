package generate_test

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

func shipped(t testing.TB) *checkpoint.Model {
	t.Helper()
	l, err := checkpoint.Open("../../models/stories260K", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Free)
	return l
}

func run(t testing.TB, l *checkpoint.Model, prompts [][]int, opt generate.Options, noCache bool) [][]int {
	t.Helper()
	sess := generate.NewLlamaSession(l.Llama, 64, noCache)
	defer sess.Close()
	out, err := generate.Generate(context.Background(), sess, prompts, opt)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBatchedEqualsOneAtATime(t *testing.T) {
	l := shipped(t)
	var prompts [][]int
	for _, s := range []string{"Once upon a time", "The little bird flew over the tall green tree and", "Tom", "One day, Lily found a shiny red"} {
		prompts = append(prompts, l.Tok.Encode(s, tokenizer.EncodeOptions{BOS: true}))
	}
	for _, opt := range []generate.Options{
		{MaxTokens: 40},
		{MaxTokens: 40, Sampling: generate.Sampling{Temperature: 1, TopK: 20, TopP: 0.9, Seed: 7}},
	} {
		batched := run(t, l, prompts, opt, false)
		uncached := run(t, l, prompts, opt, true)
		for i, p := range prompts {
			// Sequence i of a batch samples with stream i; alone it must use the same stream.
			alone := generate.Options{MaxTokens: opt.MaxTokens, Sampling: opt.Sampling}
			single := runAt(t, l, p, i, alone)
			if !equal(batched[i], single) {
				t.Errorf("temp %v prompt %d: batched %v, alone %v", opt.Temperature, i, batched[i], single)
			}
			if !equal(batched[i], uncached[i]) {
				t.Errorf("temp %v prompt %d: cached %v, uncached %v", opt.Temperature, i, batched[i], uncached[i])
			}
		}
	}
}

// runAt generates for one prompt as if it were sequence idx of a batch (same random stream),
// by padding the batch with copies that are discarded.
func runAt(t *testing.T, l *checkpoint.Model, p []int, idx int, opt generate.Options) []int {
	prompts := make([][]int, idx+1)
	for i := range prompts {
		prompts[i] = p
	}
	return run(t, l, prompts, opt, false)[idx]
}

func TestSamplingIsSeededAndVaried(t *testing.T) {
	l := shipped(t)
	p := [][]int{l.Tok.Encode("Once upon a time", tokenizer.EncodeOptions{BOS: true})}
	opt := generate.Options{MaxTokens: 30, Sampling: generate.Sampling{Temperature: 1, Seed: 1}}
	a, b := run(t, l, p, opt, false), run(t, l, p, opt, false)
	if !equal(a[0], b[0]) {
		t.Errorf("same seed, different tokens: %v vs %v", a[0], b[0])
	}
	opt.Seed = 2
	if c := run(t, l, p, opt, false); equal(a[0], c[0]) {
		t.Errorf("seeds 1 and 2 gave the same 30 tokens")
	}
}

func TestStopsAtStopToken(t *testing.T) {
	l := shipped(t)
	p := [][]int{l.Tok.Encode("Once upon a time", tokenizer.EncodeOptions{BOS: true})}
	full := run(t, l, p, generate.Options{MaxTokens: 30}, false)[0]
	stop := full[10]
	first := 0
	for first < len(full) && full[first] != stop {
		first++
	}
	got := run(t, l, p, generate.Options{MaxTokens: 30, Stop: []int{stop}}, false)[0]
	if !equal(got, full[:first+1]) {
		t.Errorf("with stop %d: %v, want %v", stop, got, full[:first+1])
	}
}

func TestCancelStopsGeneration(t *testing.T) {
	l := shipped(t)
	ctx, cancel := context.WithCancel(context.Background())
	sess := generate.NewLlamaSession(l.Llama, 64, false)
	defer sess.Close()
	n := 0
	out, err := generate.Generate(ctx, sess, [][]int{{1}}, generate.Options{MaxTokens: 1000, OnToken: func(_, _ int) {
		if n++; n == 5 {
			cancel()
		}
	}})
	if err != context.Canceled || len(out[0]) != 5 {
		t.Errorf("cancel after 5 tokens: err %v, %d tokens", err, len(out[0]))
	}
}

// rssKB reads the process's resident set size.
func rssKB(t *testing.T) int {
	kb, err := mem.ResidentKB()
	if err != nil {
		t.Skip("no resident memory figure on this system:", err)
	}
	return kb
}

func TestLongGenerationDoesNotGrowMemory(t *testing.T) {
	l := shipped(t)
	// Each 2,000-token run creates about a million temporary tensors; leaking even one small
	// tensor per step would add megabytes.
	noMemoryGrowth(t, "2,000-token generations", func() {
		run(t, l, [][]int{{1}}, generate.Options{MaxTokens: 2000, Sampling: generate.Sampling{Temperature: 1, Seed: 3}}, false)
	})
}

// noMemoryGrowth runs gen once to warm allocators, caches and rope tables to their working
// size, then twice more, and fails if the resident set grew by more than 8 MB meanwhile.
func noMemoryGrowth(t *testing.T, what string, gen func()) {
	settle := func() int {
		runtime.GC()
		tensor.TrimMemory()
		return rssKB(t)
	}
	gen()
	before := settle()
	gen()
	gen()
	after := settle()
	if after-before > 8<<10 {
		t.Errorf("RSS grew from %d kB to %d kB over two %s", before, after, what)
	}
	t.Logf("RSS %d kB -> %d kB", before, after)
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBadTokenIDsAreNamed: an id outside the vocabulary is an error that names the id, where it
// is and the vocabulary size, not libtorch's "index out of range in self".
func TestBadTokenIDsAreNamed(t *testing.T) {
	l := shipped(t)
	sess := generate.NewLlamaSession(l.Llama, 8, false)
	defer sess.Close()
	_, err := generate.Generate(context.Background(), sess, [][]int{{1, 2}, {1, 600}}, generate.Options{MaxTokens: 2})
	if err == nil || !strings.Contains(err.Error(), "token id 600 (sequence 1, position 1)") || !strings.Contains(err.Error(), "vocabulary of 512") {
		t.Fatalf("bad id: %v", err)
	}
}

// Continue shows the text of the tokens before a stop token and not the stop token's own.
func TestContinueHidesTheStopToken(t *testing.T) {
	l := shipped(t)
	p := l.Tok.Encode("Once upon a time", tokenizer.EncodeOptions{BOS: true})
	full := run(t, l, [][]int{p}, generate.Options{MaxTokens: 30}, false)[0]
	stop := full[10]
	sess := generate.NewLlamaSession(l.Llama, 64, false)
	defer sess.Close()
	var text strings.Builder
	out, err := generate.Continue(context.Background(), sess, l.Tok, p, generate.Options{MaxTokens: 30, Stop: []int{stop}}, func(s string) { text.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	if out[len(out)-1] != stop {
		t.Fatalf("generation did not end at the stop token: %v", out)
	}
	all := l.Tok.Decode(append(slices.Clone(p), out...))
	before := l.Tok.Decode(append(slices.Clone(p), out[:len(out)-1]...))
	if want := strings.TrimPrefix(before, l.Tok.Decode(p)); text.String() != want || all == before {
		t.Fatalf("shown %q, want %q (the stop token %d is %q)", text.String(), want, stop, l.Tok.Decode([]int{stop}))
	}
}
