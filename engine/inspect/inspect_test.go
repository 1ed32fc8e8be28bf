package inspect_test

import (
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
