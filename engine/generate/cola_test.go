package generate_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// tinyCoLA wraps the shipped stories260K in fresh CoLA modules (random weights).
func tinyCoLA(t testing.TB, mod cola.Modules) *cola.Model {
	t.Helper()
	m, err := newTinyCoLA(mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

func newTinyCoLA(mod cola.Modules) (*cola.Model, error) {
	c, err := checkpoint.OpenCoLA("../../models/stories260K", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}, &mod, 11)
	if err != nil {
		return nil, err
	}
	return c.CoLA, nil
}

var testModules = cola.Modules{Codes: 16, ActionLayers: 2, DynaLayers: 2, PolicyLayers: 3}

var prompt = []int{1, 403, 407, 261, 378, 434, 422, 261, 260, 67, 281}

// wmArgmax runs the world model over a whole text with one code per position and returns the
// argmax token at each position.
func wmArgmax(t *testing.T, m *cola.Model, ids, codes []int) []int {
	t.Helper()
	T := int64(len(ids))
	x := tensor.FromInt64s(toInt64(ids), []int64{1, T}, gotch.CPU)
	c := tensor.FromInt64s(toInt64(codes), []int64{1, T}, gotch.CPU)
	defer tensor.Drop(x, c)
	h, err := m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	wm, err := m.WorldModelLogits(h, c)
	if err != nil {
		t.Fatal(err)
	}
	defer wm.MustDrop()
	rows := generate.Rows(tensor.Float32s(wm), int(T))
	out := make([]int, T)
	for i, r := range rows {
		out[i] = generate.Argmax(r)
	}
	return out
}

// wmLogits is the world model's next-token logits after ids with code k at the last position.
func wmLogits(t *testing.T, m *cola.Model, ids []int, k int) []float32 {
	T := int64(len(ids))
	x := tensor.FromInt64s(toInt64(ids), []int64{1, T}, gotch.CPU)
	c := tensor.FromInt64s([]int64{int64(k)}, []int64{1, 1}, gotch.CPU)
	defer tensor.Drop(x, c)
	h, err := m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.MustDrop()
	last := h.MustNarrow(1, T-1, 1, false)
	defer last.MustDrop()
	wm, err := m.WorldModelLogits(last, c)
	if err != nil {
		t.Fatal(err)
	}
	defer wm.MustDrop()
	return tensor.Float32s(wm)
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func toInt64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func colaGen(t *testing.T, s *generate.CoLASession, prompts [][]int, n int) [][]int {
	t.Helper()
	out, err := generate.Generate(context.Background(), s, prompts, generate.Options{MaxTokens: n})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCoLAForcedCodeFollowsWorldModel(t *testing.T) {
	m := tinyCoLA(t, testModules)
	// Fresh merge MLPs barely move the logits; a louder codebook lets codes change the argmax.
	m.CodeBook.W.MustMulScalar_(tensor.Scalar(40))
	s := generate.NewCoLASession(m, 32, generate.PaperLatent)
	defer s.Close()
	C := m.Config.NumCode
	distinct := map[int]bool{}
	for k := 0; k < C; k++ {
		var got [][]int
		if err := s.WithNextCode(k, func() error {
			got = colaGen(t, s, [][]int{prompt}, 1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		codes := make([]int, len(prompt))
		codes[len(prompt)-1] = k
		want := wmArgmax(t, m, prompt, codes)[len(prompt)-1]
		if got[0][0] != want || s.Codes()[0][0] != k {
			t.Errorf("code %d: token %d (code recorded %d), world model argmax %d", k, got[0][0], s.Codes()[0][0], want)
		}
		distinct[want] = true
		// The session's logits are exactly the world model's for code k.
		s.ForceNext(k)
		lg, err := s.Prefill(toInt64(prompt), 1, len(prompt), []int{0})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(lg[0], wmLogits(t, m, prompt, k)); d > 1e-5 {
			t.Errorf("code %d: session logits differ from the world model's by %g", k, d)
		}
	}
	if len(distinct) < 2 {
		t.Errorf("all %d codes give the same next token: the test cannot tell codes apart", C)
	}
	t.Logf("%d codes lead to %d distinct next tokens", C, len(distinct))
}

func TestCoLAReplayIDMCodes(t *testing.T) {
	m := tinyCoLA(t, testModules)
	s := generate.NewCoLASession(m, 32, generate.PaperLatent)
	defer s.Close()
	codes, err := s.ReadCodes(prompt)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != len(prompt) {
		t.Fatalf("%d codes for %d tokens", len(codes), len(prompt))
	}
	want := wmArgmax(t, m, prompt, codes)
	// Teacher-forced: each prefix, with the IDM code of its last position forced.
	for k := 1; k < len(prompt); k++ {
		var got [][]int
		s.WithNextCode(codes[k-1], func() error { got = colaGen(t, s, [][]int{prompt[:k]}, 1); return nil })
		if got[0][0] != want[k-1] {
			t.Errorf("prefix %d with IDM code %d: token %d, world model argmax %d", k, codes[k-1], got[0][0], want[k-1])
		}
	}
	// Free-running: codes by position through a hook; each token must be the world model's argmax
	// under those codes over the generated text.
	var gen []int
	var seen []generate.Step
	err = s.WithHook(func(ev generate.CodeEvent) int { seen = append(seen, ev.Step); return codes[ev.Pos] }, func() error {
		gen = colaGen(t, s, [][]int{prompt[:1]}, len(prompt)-1)[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	full := append([]int{prompt[0]}, gen...)
	used := s.Codes()[0]
	for i, st := range seen {
		if st.Pos != i || st.Index != i || st.Prev != full[i] || st.Seq != 0 {
			t.Errorf("step %d: hook saw %+v", i, st)
		}
		if used[i] != codes[i] {
			t.Errorf("step %d: code %d used, hook chose %d", i, used[i], codes[i])
		}
	}
	wantGen := wmArgmax(t, m, full, append(used, 0))
	for i, tok := range gen {
		if tok != wantGen[i] {
			t.Errorf("token %d: %d, world model argmax %d", i, tok, wantGen[i])
		}
	}
}

func TestCoLABatchedEqualsOneAtATime(t *testing.T) {
	m := tinyCoLA(t, testModules)
	lat := generate.Sampling{Temperature: 1.5, TopK: 8, TopP: 0.9, Seed: 5}
	prompts := [][]int{prompt, prompt[:3], {1, 25, 30, 411, 259}}
	s := generate.NewCoLASession(m, 40, lat)
	defer s.Close()
	batched := colaGen(t, s, prompts, 12)
	codes, lps := s.Codes(), s.LogProbs()
	for b, p := range prompts {
		one := generate.NewCoLASession(m, 40, lat)
		got := colaGen(t, one, [][]int{p}, 12)
		// Streams follow the index in the batch: alone, a prompt draws from stream 0, so only
		// sequence 0 must match exactly; the others are checked through the log-probs below.
		if b == 0 {
			if !equal(got[0], batched[0]) || !equal(one.Codes()[0], codes[0]) {
				t.Errorf("seq 0: alone %v %v, batched %v %v", got[0], one.Codes()[0], batched[0], codes[0])
			}
		}
		one.Close()
		for i, lp := range lps[b] {
			if lp > 0 || math.IsNaN(lp) {
				t.Errorf("seq %d step %d: log-prob %g", b, i, lp)
			}
		}
	}
	// Same seed, same batch: same codes; another seed: other codes.
	again := generate.NewCoLASession(m, 40, lat)
	defer again.Close()
	if out := colaGen(t, again, prompts, 12); !equal(flat(out), flat(batched)) || !equal(flat(again.Codes()), flat(codes)) {
		t.Error("same seed gave another generation")
	}
	lat.Seed = 6
	other := generate.NewCoLASession(m, 40, lat)
	defer other.Close()
	colaGen(t, other, prompts, 12)
	if equal(flat(other.Codes()), flat(codes)) {
		t.Error("another seed gave the same codes")
	}
	// Greedy codes are the policy's argmax: their log-prob is the largest.
	g := generate.NewCoLASession(m, 40, generate.Sampling{})
	defer g.Close()
	var maxLP []float64
	g.WithHook(func(ev generate.CodeEvent) int {
		best := 0
		for i, p := range ev.Probs {
			if p > ev.Probs[best] {
				best = i
			}
		}
		if best != ev.Code {
			t.Errorf("greedy code %d, policy argmax %d", ev.Code, best)
		}
		maxLP = append(maxLP, math.Log(ev.Probs[best]))
		return ev.Code
	}, func() error { colaGen(t, g, prompts[:1], 6); return nil })
	for i, lp := range g.LogProbs()[0] {
		if math.Abs(lp-maxLP[i]) > 1e-9 {
			t.Errorf("step %d: log-prob %g, hook's %g", i, lp, maxLP[i])
		}
	}
}

func TestCoLASteering(t *testing.T) {
	m := tinyCoLA(t, testModules)
	C := m.Config.NumCode
	s := generate.NewCoLASession(m, 40, generate.PaperLatent)
	defer s.Close()
	all := func(codes []int, want int) bool {
		for _, c := range codes {
			if c != want {
				return false
			}
		}
		return len(codes) > 0
	}
	// One code at all steps.
	s.WithCode(9, func() error { colaGen(t, s, [][]int{prompt}, 6); return nil })
	if c := s.Codes()[0]; !all(c, 9) {
		t.Errorf("WithCode(9): codes %v", c)
	}
	// Mask all codes but 4.
	var banned []int
	for i := 0; i < C; i++ {
		if i != 4 {
			banned = append(banned, i)
		}
	}
	s.WithMask(banned, func() error { colaGen(t, s, [][]int{prompt}, 6); return nil })
	if c := s.Codes()[0]; !all(c, 4) {
		t.Errorf("mask all but 4: codes %v", c)
	}
	// A large bias on code 2.
	bias := make([]float32, C)
	bias[2] = 1e4
	s.WithBias(bias, func() error { colaGen(t, s, [][]int{prompt}, 6); return nil })
	if c := s.Codes()[0]; !all(c, 2) {
		t.Errorf("bias on 2: codes %v", c)
	}
	// A replacement policy that follows the position; its log-probs are its own.
	var steps []generate.Step
	pol := func(st generate.Step) []float32 {
		steps = append(steps, st)
		l := make([]float32, C)
		l[st.Pos%C] = 50
		return l
	}
	s.WithPolicy(pol, func() error { colaGen(t, s, [][]int{prompt}, 6); return nil })
	for i, c := range s.Codes()[0] {
		if want := (len(prompt) - 1 + i) % C; c != want {
			t.Errorf("replacement policy step %d: code %d, want %d", i, c, want)
		}
		if lp := s.LogProbs()[0][i]; lp < -1e-6 {
			t.Errorf("replacement policy step %d: log-prob %g, want ~0", i, lp)
		}
		if len(steps[i].PolicyLogits) != C {
			t.Errorf("step %d: %d policy logits", i, len(steps[i].PolicyLogits))
		}
	}
	// All masked is an error, not a panic.
	all16 := make([]int, C)
	for i := range all16 {
		all16[i] = i
	}
	if err := s.WithMask(all16, func() error {
		_, err := generate.Generate(context.Background(), s, [][]int{prompt}, generate.Options{MaxTokens: 2})
		return err
	}); err == nil {
		t.Error("every code masked: no error")
	}
	// A hook's out-of-range code is an error.
	if err := s.WithHook(func(generate.CodeEvent) int { return C }, func() error {
		_, err := generate.Generate(context.Background(), s, [][]int{prompt}, generate.Options{MaxTokens: 2})
		return err
	}); err == nil {
		t.Error("hook returned an out-of-range code: no error")
	}
	if st := s.Steering(); st.Fixed != nil || st.Mask != nil || st.Bias != nil || st.Policy != nil || st.Hook != nil || st.Next != nil {
		t.Errorf("steering left behind: %+v", st)
	}
}

func TestCoLAScopesRestoreAfterPanic(t *testing.T) {
	m := tinyCoLA(t, testModules)
	s := generate.NewCoLASession(m, 40, generate.PaperLatent)
	defer s.Close()
	undo := s.Steer(generate.Steering{Fixed: []int{1}})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		s.WithMask([]int{3}, func() error {
			return s.WithHook(func(generate.CodeEvent) int { return 0 }, func() error {
				return s.WithCode(5, func() error {
					if st := s.Steering(); len(st.Fixed) != 1 || st.Fixed[0] != 5 || st.Hook == nil || !st.Mask[3] {
						t.Errorf("inside the scopes: %+v", st)
					}
					panic("boom")
				})
			})
		})
	}()
	if st := s.Steering(); len(st.Fixed) != 1 || st.Fixed[0] != 1 || st.Hook != nil || st.Mask != nil {
		t.Errorf("after the panic: %+v", st)
	}
	undo()
	if st := s.Steering(); st.Fixed != nil {
		t.Errorf("after undo: %+v", st)
	}
}

func TestCoLALeavesBackboneUntouched(t *testing.T) {
	m := tinyCoLA(t, testModules)
	hash := func() [32]byte {
		h := sha256.New()
		for _, p := range weights.Walk(m.Backbone()) {
			for _, f := range tensor.Float32s(*p.Ptr) {
				binary.Write(h, binary.LittleEndian, f)
			}
		}
		var out [32]byte
		copy(out[:], h.Sum(nil))
		return out
	}
	before := hash()
	s := generate.NewCoLASession(m, 40, generate.PaperLatent)
	defer s.Close()
	colaGen(t, s, [][]int{prompt, prompt[:4]}, 8)
	s.WithCode(3, func() error { colaGen(t, s, [][]int{prompt}, 4); return nil })
	if _, err := s.ReadCodes(prompt); err != nil {
		t.Fatal(err)
	}
	if hash() != before {
		t.Fatal("the backbone changed")
	}
}

func TestCoLALongGenerationDoesNotGrowMemory(t *testing.T) {
	m := tinyCoLA(t, testModules)
	noMemoryGrowth(t, "300-token generations", func() {
		s := generate.NewCoLASession(m, 16, generate.PaperLatent)
		defer s.Close()
		colaGen(t, s, [][]int{{1}}, 300)
	})
}

func flat(v [][]int) []int {
	var out []int
	for _, r := range v {
		out = append(out, r...)
	}
	return out
}

// TestCoLADrawnLogProbs: under a bias or mask the code is drawn from the steered distribution;
// LogProbs stays the policy's and DrawnLogProbs is the steered one's; forced codes are drawn with
// certainty, and a hook's replacement has no known distribution.
func TestCoLADrawnLogProbs(t *testing.T) {
	m := tinyCoLA(t, testModules)
	C := m.Config.NumCode
	bias := make([]float32, C)
	bias[5], bias[9] = 3, -2
	mask := make([]bool, C)
	mask[1], mask[2] = true, true
	s := generate.NewCoLASession(m, 32, generate.Sampling{Temperature: 1, Seed: 4})
	defer s.Close()
	var probs [][]float64
	s.Steer(generate.Steering{Bias: bias, Mask: mask, Hook: func(ev generate.CodeEvent) int {
		probs = append(probs, ev.Probs)
		return ev.Code
	}})
	colaGen(t, s, [][]int{prompt}, 12)
	codes, lp, drawn := s.Codes()[0], s.LogProbs()[0], s.DrawnLogProbs()[0]
	for i, k := range codes {
		if mask[k] {
			t.Fatalf("step %d drew masked code %d", i, k)
		}
		var z float64
		for c := 0; c < C; c++ {
			if !mask[c] {
				z += probs[i][c] * math.Exp(float64(bias[c]))
			}
		}
		want := math.Log(probs[i][k]) + float64(bias[k]) - math.Log(z)
		if math.Abs(lp[i]-math.Log(probs[i][k])) > 1e-9 || math.Abs(drawn[i]-want) > 1e-6 {
			t.Fatalf("step %d code %d: log-prob %g (policy %g), drawn %g (steered %g)", i, k, lp[i], math.Log(probs[i][k]), drawn[i], want)
		}
	}
	s.Steer(generate.Steering{Fixed: []int{7}})
	colaGen(t, s, [][]int{prompt}, 3)
	if d := s.DrawnLogProbs()[0]; d[0] != 0 || d[2] != 0 || s.LogProbs()[0][0] >= 0 {
		t.Errorf("forced code: drawn %v, policy %v", d, s.LogProbs()[0])
	}
	s.Steer(generate.Steering{Hook: func(ev generate.CodeEvent) int { return (ev.Code + 1) % C }})
	colaGen(t, s, [][]int{prompt}, 2)
	if d := s.DrawnLogProbs()[0]; !math.IsNaN(d[0]) {
		t.Errorf("hook-replaced code: drawn %v, want NaN", d)
	}
}

// A closed session has no caches: Step is an error, not a decode of the token without its past.
func TestCoLAStepAfterCloseFails(t *testing.T) {
	m := tinyCoLA(t, testModules)
	s := generate.NewCoLASession(m, 32, generate.PaperLatent)
	if _, err := s.Step([]int64{int64(prompt[0])}); err == nil {
		t.Error("Step before Prefill: no error")
	}
	if _, err := s.Prefill(toInt64(prompt), 1, len(prompt), []int{0}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if lg, err := s.Step([]int64{int64(prompt[1])}); err == nil {
		t.Errorf("Step after Close: no error, %d rows of logits", len(lg))
	}
}

// keepless is a session Generate cannot compact.
type keepless struct{ generate.Session }

// Sequences that have ended leave a CoLASession's batch, and the others go on as if they had
// stayed: the same tokens, codes and (to rounding) log-probs, hooks told each sequence's own index.
func TestCoLASessionDropsEndedSequences(t *testing.T) {
	m := tinyCoLA(t, testModules)
	m.CodeBook.W.MustMulScalar_(tensor.Scalar(40)) // codes change the world model's argmax
	lat := generate.Sampling{Temperature: 1, TopK: 8, Seed: 3}
	var prompts [][]int
	for i := range 8 {
		prompts = append(prompts, append([]int{1, 25 + i}, prompt[2:5+i%3]...))
	}
	const n = 14
	run := func(stop []int, compact bool) ([][]int, [][]int, [][]float64, int) {
		s := generate.NewCoLASession(m, 40, lat)
		defer s.Close()
		events, seen := 0, make([][]int, len(prompts))
		s.Steer(generate.Steering{Hook: func(ev generate.CodeEvent) int {
			events++
			seen[ev.Seq] = append(seen[ev.Seq], ev.Code)
			return ev.Code
		}})
		var sess generate.Session = s
		if !compact {
			sess = keepless{s}
		}
		out, err := generate.Generate(context.Background(), sess, prompts, generate.Options{MaxTokens: n, Stop: stop})
		if err != nil {
			t.Fatal(err)
		}
		for b, c := range s.Codes() {
			if !slices.Equal(seen[b], c) {
				t.Fatalf("seq %d: the hook saw codes %v, the session recorded %v", b, seen[b], c)
			}
		}
		return out, s.Codes(), s.LogProbs(), events
	}
	// A stop token that ends at least a quarter of the sequences early and leaves two running.
	free, _, _, _ := run(nil, false)
	stop, best := -1, 0
	for tok := range 512 {
		early := 0
		for _, o := range free {
			if i := slices.Index(o, tok); i >= 0 && i < n-3 {
				early++
			}
		}
		if early >= 2 && early <= len(prompts)-2 && early > best {
			stop, best = tok, early
		}
	}
	if stop < 0 {
		t.Fatal("no token ends a quarter of the sequences early")
	}
	out, codes, lps, events := run([]int{stop}, true)
	want, wantCodes, wantLPs, all := run([]int{stop}, false)
	for b := range prompts {
		k := len(want[b])
		if !slices.Equal(out[b], want[b]) || !slices.Equal(codes[b][:k], wantCodes[b][:k]) {
			t.Fatalf("seq %d: %v %v compacted, %v %v not", b, out[b], codes[b][:k], want[b], wantCodes[b][:k])
		}
		for i := range k {
			if math.Abs(lps[b][i]-wantLPs[b][i]) > 1e-5 {
				t.Fatalf("seq %d step %d: log-prob %g compacted, %g not", b, i, lps[b][i], wantLPs[b][i])
			}
		}
	}
	if events >= all {
		t.Fatalf("%d hook events compacted, %d not: no sequence left the batch", events, all)
	}
	t.Logf("stop %d ends %d of %d sequences early; %d hook events instead of %d", stop, best, len(prompts), events, all)
}
