package rm

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/models"
)

var cpu = checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}

// tiny is the shipped stories260K Llama with a fresh head.
func tiny(t testing.TB, maxLen int, seed uint64) *Model {
	t.Helper()
	m, err := open(maxLen, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

// open is tiny without a test.
func open(maxLen int, seed uint64) (*Model, error) {
	bb, err := checkpoint.Open("../../models/stories260K", cpu)
	if err != nil {
		return nil, err
	}
	m, err := New(bb, maxLen, seed)
	if err != nil {
		bb.Free()
	}
	return m, err
}

// alone is r = w·h_T + b of one sequence run by itself (no padding), computed from the
// backbone's hidden state and the head's numbers in Go.
func alone(t *testing.T, m *Model, ids []int) float64 {
	t.Helper()
	var r float64
	err := tensor.Guard(func() {
		tensor.NoGrad(func() {
			x, err := m.Llama.Tokens(toInt64(ids), 1, len(ids))
			if err != nil {
				panic(err)
			}
			defer x.MustDrop()
			h, err := m.Llama.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)
			if err != nil {
				panic(err)
			}
			defer h.MustDrop()
			hs := tensor.Float32s(h)
			d := m.Llama.Config.Dim
			w, b := tensor.Float32s(m.W), tensor.Float32s(m.B)
			for i := 0; i < d; i++ {
				r += float64(w[i]) * float64(hs[(len(ids)-1)*d+i])
			}
			r += float64(b[0])
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func toInt64(ids []int) []int64 {
	out := make([]int64, len(ids))
	for i, v := range ids {
		out[i] = int64(v)
	}
	return out
}

// A padded batch scores each sequence as it scores alone, at its last token (EOS), and the
// Bradley-Terry loss and accuracy are −log σ(r_c − r_r) and [r_c > r_r] of those scores.
func TestScoresAndLossByHand(t *testing.T) {
	m := tiny(t, 64, 3)
	if err := tensor.Guard(func() { m.B.MustFill_(tensor.Scalar(0.5)) }); err != nil { // a bias the sums see
		t.Fatal(err)
	}
	prompts := []string{"Tom and Sue went to the park.", "Anna had a red ball.", "The cat sat on the mat."}
	resps := []string{" They played.", " She threw it to her dog and they ran all day long in the sun.", " It slept."}
	got, err := m.Score(prompts, resps, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range prompts {
		ids := m.Encode(prompts[i], resps[i])
		if ids[len(ids)-1] != m.Tok.EOS() || ids[0] != m.Tok.BOS() {
			t.Fatalf("sequence %d is not BOS ... EOS: %v", i, ids)
		}
		if want := alone(t, m, ids); math.Abs(got[i]-want) > 1e-4 {
			t.Errorf("sequence %d: batched %v, alone %v", i, got[i], want)
		}
	}
	pairs := []Pair{{prompts[0], resps[0], resps[1]}, {prompts[2], resps[2], resps[0]}}
	acc, loss, err := m.Accuracy(pairs, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wantLoss, wantAcc float64
	for _, p := range pairs {
		s, _ := m.Score([]string{p.Prompt, p.Prompt}, []string{p.Chosen, p.Rejected}, 0)
		d := s[0] - s[1]
		wantLoss += -math.Log(1/(1+math.Exp(-d))) / 2
		if d > 0 {
			wantAcc += 0.5
		}
	}
	if math.Abs(loss-wantLoss) > 1e-5 || acc != wantAcc {
		t.Errorf("loss %v acc %v, want %v and %v", loss, acc, wantLoss, wantAcc)
	}
	// Truncation keeps max_len tokens, EOS last.
	m.MaxLen = 5
	if ids := m.Encode(prompts[1], resps[1]); len(ids) != 5 || ids[4] != m.Tok.EOS() {
		t.Errorf("max_len 5: %v", ids)
	}
}

// toyPairs is a separable preference: the chosen ending is happy (sad when flip), the other sad.
func toyPairs(from, n int, flip bool) []Pair {
	var out []Pair
	names := []string{"Tim", "Lily", "Sue", "Max", "Ben", "Anna", "Tom", "Sara"}
	for i := from; i < from+n; i++ {
		p := models.StoryPrompts[i%len(models.StoryPrompts)]
		who := names[(i/len(models.StoryPrompts))%len(names)]
		happy, sad := fmt.Sprintf(" %s was very happy and smiled.", who), fmt.Sprintf(" %s was very sad and cried.", who)
		if flip {
			happy, sad = sad, happy
		}
		out = append(out, Pair{Prompt: p, Chosen: happy, Rejected: sad})
	}
	return out
}

func toyConfig() Config {
	c := DefaultConfig()
	c.LR, c.MinLR, c.Batch, c.MicroBatch, c.Epochs, c.MaxLen, c.Seed = 3e-3, 3e-4, 8, 8, 4, 48, 1
	return c
}

// trainToy trains a fresh model on the toy preference (flipped or not) through run.Loop and
// returns it with its held-out pairs, its accuracy before and after, and the run's folder.
func trainToy(t *testing.T, flip bool) (m *Model, held []Pair, before, after float64, out string) {
	m = tiny(t, 48, 1)
	train, held := toyPairs(0, 48, flip), toyPairs(48, 24, flip)
	tr, err := NewTrainer(m, toyConfig(), train, held)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if tr.Steps() != 24 {
		t.Fatalf("4 epochs of 48 pairs in batches of 8: %d updates", tr.Steps())
	}
	out = t.TempDir()
	if err := run.Loop(context.Background(), tr, run.Options{Name: "rm", Steps: tr.Steps(), Out: out, Resume: run.Auto}); err != nil {
		t.Fatal(err)
	}
	if after, _, err = m.Accuracy(held, 8); err != nil {
		t.Fatal(err)
	}
	t.Logf("flip %v: held-out accuracy %.3f -> %.3f", flip, tr.HeldAcc0, after)
	return m, held, tr.HeldAcc0, after, out
}

// Training on a separable preference (both ways round, so that the untrained head is at or
// below chance on one) takes held-out accuracy to near 1; the run logs it through run.Loop, and
// the trained model survives a save and load.
func TestTrainingLearnsHeldOutPreference(t *testing.T) {
	_, _, before0, after0, _ := trainToy(t, true)
	m, held, before1, after1, out := trainToy(t, false)
	if after0 < 0.95 || after1 < 0.95 || min(before0, before1) > 0.5 {
		t.Errorf("held-out accuracy %.3f -> %.3f and %.3f -> %.3f: want one at chance or below before, both >= 0.95 after",
			before0, after0, before1, after1)
	}
	lines, err := run.ReadMetrics(filepath.Join(out, "metrics.jsonl"))
	if err != nil || len(lines) != 24 || lines[23]["held_out/acc"] != after1 {
		t.Errorf("metrics: %d lines, last %v (%v)", len(lines), lines[len(lines)-1], err)
	}

	dir := filepath.Join(t.TempDir(), "rm")
	if err := m.Save(dir, "happy"); err != nil {
		t.Fatal(err)
	}
	back, info, err := Load(dir, cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Free()
	pr, ch := []string{held[0].Prompt, held[1].Prompt}, []string{held[0].Chosen, held[1].Rejected}
	want, _ := m.Score(pr, ch, 0)
	got, err := back.Score(pr, ch, 0)
	if err != nil || info.Domain != "happy" || info.MaxLen != 48 || math.Abs(got[0]-want[0]) > 1e-5 || math.Abs(got[1]-want[1]) > 1e-5 {
		t.Errorf("loaded model scores %v, saved %v (info %+v, %v)", got, want, info, err)
	}
}

// A folder that is not a reward model is refused with what is wrong.
func TestLoadRefusesOtherFolders(t *testing.T) {
	if _, _, err := Load("../../models/stories260K", cpu); err == nil || !strings.Contains(err.Error(), "not a reward model folder") {
		t.Errorf("a plain Llama folder: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, InfoFile), []byte(`{"format": "something-else"}`), 0o644)
	if _, _, err := Load(dir, cpu); err == nil || !strings.Contains(err.Error(), "not a colash-reward-model") {
		t.Errorf("a foreign info file: %v", err)
	}
}

// testdata/score-seed7-bias0.375.safetensors is the score.safetensors that Save wrote before the
// head was a head.Head, for New(stories260K, 64, 7) with the bias then set to 0.375. A folder
// holding it still loads, to the weights seed 7 draws today and that bias.
func TestLoadsAHeadFileOfTheEarlierLayout(t *testing.T) {
	m := tiny(t, 64, 7)
	dir := t.TempDir()
	if err := m.Save(dir, ""); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile("testdata/score-seed7-bias0.375.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, HeadFile), old, 0o644); err != nil {
		t.Fatal(err)
	}
	back, _, err := Load(dir, cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Free()
	want, got := tensor.Float32s(m.W), tensor.Float32s(back.W)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("score.weight[%d]: loaded %v, seed 7 draws %v", i, got[i], want[i])
		}
	}
	if b := tensor.Float32s(back.B); len(b) != 1 || b[0] != 0.375 {
		t.Fatalf("score.bias %v, want [0.375]", b)
	}
}
