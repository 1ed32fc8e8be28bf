package inspect_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/engine/inspect"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
	"colash/models"
)

func open(t *testing.T, name string) *checkpoint.Model {
	t.Helper()
	dir, err := models.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

// The last row of Text's logits is what a decoding session computes after the same prefix, and
// the world model driven by the IDM's codes agrees with a CoLA session forced to those codes.
func TestTextAgreesWithDecoding(t *testing.T) {
	m := open(t, models.DefaultCoLA)
	ids := m.Tok.Encode("Once upon a time, there was a cat", tokenizer.EncodeOptions{BOS: true})
	out, err := inspect.Text(m, ids, nil, inspect.All)
	if err != nil {
		t.Fatal(err)
	}
	T, V, C := len(ids), m.Llama.Config.Vocab, m.CoLA.Config.NumCode
	if len(out.Logits) != T || len(out.Logits[0]) != V || len(out.IDMCodes) != T || len(out.IDMLogits[0]) != C ||
		len(out.PolicyLogits) != T || len(out.PolicyLogits[0]) != C || len(out.WMLogits) != T || len(out.WMLogits[0]) != V {
		t.Fatalf("shapes: %d %d %d %d", len(out.Logits), len(out.IDMCodes), len(out.PolicyLogits), len(out.WMLogits))
	}
	for i, k := range out.IDMCodes {
		if out.WMCodes[i] != k || k != argmax(out.IDMLogits[i]) {
			t.Fatalf("position %d: IDM code %d, world-model code %d, argmax %d", i, k, out.WMCodes[i], argmax(out.IDMLogits[i]))
		}
	}
	// The CoLA session, forced to the IDM's code at the last position, gives the world model's
	// logits there; its policy logits are the policy row.
	sess := generate.NewCoLASession(m.CoLA, T+1, generate.PaperLatent)
	defer sess.Close()
	tokens := make([]int64, T)
	for i, id := range ids {
		tokens[i] = int64(id)
	}
	var got [][]float32
	err = sess.WithNextCode(out.IDMCodes[T-1], func() error {
		var err error
		got, err = sess.Prefill(tokens, 1, T, []int{0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got[0], out.WMLogits[T-1]); d > 1e-4 {
		t.Errorf("world-model logits differ from the session's by %g", d)
	}
	// Forcing other codes changes the world model's logits and only them.
	forced := make([]int, T)
	for i := range forced {
		forced[i] = (out.IDMCodes[i] + 1) % C
	}
	alt, err := inspect.Text(m, ids, forced, inspect.WorldModel|inspect.Logits)
	if err != nil {
		t.Fatal(err)
	}
	if maxDiff(alt.Logits[3], out.Logits[3]) != 0 || maxDiff(alt.WMLogits[3], out.WMLogits[3]) == 0 || alt.IDMLogits != nil {
		t.Error("forced codes: backbone logits must stay, world-model logits must move, IDM must not run")
	}
}

func TestTextErrors(t *testing.T) {
	l := open(t, models.DefaultName)
	if _, err := inspect.Text(l, []int{1, 2}, nil, inspect.Policy); err == nil || !strings.Contains(err.Error(), "plain Llama") {
		t.Errorf("policy of a Llama: %v", err)
	}
	out, err := inspect.Text(l, []int{1, 2}, nil, inspect.All)
	if err != nil || out.PolicyLogits != nil || len(out.Logits) != 2 {
		t.Errorf("All on a Llama gives the backbone only: %v", err)
	}
	if _, err := inspect.Text(l, []int{1, 9999}, nil, inspect.Logits); err == nil || !strings.Contains(err.Error(), "token id 9999") {
		t.Errorf("bad id: %v", err)
	}
	c := open(t, models.DefaultCoLA)
	if _, err := inspect.Text(c, []int{1, 2}, []int{1}, inspect.WorldModel); err == nil {
		t.Error("one code for two positions accepted")
	}
	if _, err := inspect.Text(c, []int{1, 2}, []int{1, 64}, inspect.WorldModel); err == nil {
		t.Error("code 64 of 64 accepted")
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestCodes: the policy's shares add up to one, each code's token list is the world model's argmax
// in the contexts read, and each example is what a session forced to that code writes.
func TestCodes(t *testing.T) {
	m := open(t, models.DefaultCoLA)
	cfg := inspect.DefaultCodes
	cfg.Prompts, cfg.Samples, cfg.Tokens = cfg.Prompts[:2], 4, 12
	stats, err := inspect.Codes(context.Background(), m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	C := m.CoLA.Config.NumCode
	if len(stats) != C {
		t.Fatalf("%d rows for %d codes", len(stats), C)
	}
	var policy float64
	for _, s := range stats {
		policy += s.Policy
		if len(s.Tokens) == 0 || len(s.Tokens) > cfg.TopTokens {
			t.Fatalf("code %d lists %d tokens", s.Code, len(s.Tokens))
		}
		for i := 1; i < len(s.Tokens); i++ {
			if s.Tokens[i].Share > s.Tokens[i-1].Share {
				t.Fatalf("code %d: tokens not sorted by share", s.Code)
			}
		}
	}
	if math.Abs(policy-1) > 1e-9 {
		t.Errorf("policy shares add up to %g", policy)
	}
	// Example of code 3: a session with code 3 forced at every step.
	ids := m.Tok.Encode(cfg.Prompts[0], tokenizer.EncodeOptions{BOS: true})
	sess := generate.NewCoLASession(m.CoLA, len(ids)+cfg.ExampleTokens+1, cfg.Latent)
	defer sess.Close()
	var out []int
	err = sess.WithCode(3, func() error {
		var err error
		out, err = generate.Continue(context.Background(), sess, m.Tok, ids, generate.Options{MaxTokens: cfg.ExampleTokens, Stop: []int{}}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	whole := m.Tok.Decode(append(append([]int(nil), ids...), out...))
	if !strings.HasSuffix(whole, stats[3].Example) || stats[3].Example == "" {
		t.Errorf("code 3 example %q is not the forced continuation %q", stats[3].Example, whole)
	}
	// One context (one prompt, one token): each code's only token is the world model's argmax
	// there, with share 1.
	one := cfg
	one.Prompts, one.Samples, one.Tokens = one.Prompts[:1], 1, 1
	single, err := inspect.Codes(context.Background(), m, one)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 7, C - 1} {
		codes := make([]int, len(ids))
		codes[len(ids)-1] = k
		out, err := inspect.Text(m, ids, codes, inspect.WorldModel)
		if err != nil {
			t.Fatal(err)
		}
		if want := argmax(out.WMLogits[len(ids)-1]); single[k].Tokens[0].Token != want || single[k].Tokens[0].Share != 1 {
			t.Errorf("code %d in one context: %+v, world model argmax %d", k, single[k].Tokens, want)
		}
	}
	if _, err := inspect.Codes(context.Background(), open(t, models.DefaultName), cfg); err == nil {
		t.Error("a plain Llama has a code table")
	}
}
