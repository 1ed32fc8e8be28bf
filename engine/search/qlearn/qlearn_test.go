package qlearn

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/rl"
	"colash/engine/run"
	"colash/engine/search"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/qnet"
	"colash/model/tensor"
	"colash/model/weights"
)

func tinyQ(t *testing.T, seed uint64) (*qnet.QNet, string) {
	t.Helper()
	m, err := checkpoint.Open("../../../models/stories260K-cola", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	q, err := bodyOf(m, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Free)
	return q, m.TokenizerPath
}

// tinyQNet is a fresh Q-network on the tiny CoLA's backbone.
func tinyQNet(seed uint64) (*qnet.QNet, error) {
	m, err := checkpoint.Open("../../../models/stories260K-cola", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		return nil, err
	}
	return bodyOf(m, seed)
}

func bodyOf(m *checkpoint.Model, seed uint64) (*qnet.QNet, error) {
	weights.Free(m.CoLA)
	q, err := qnet.New(m.Llama, m.CoLA.Config.NumCode, seed)
	if err != nil {
		m.Llama.Free()
	}
	return q, err
}

var data = []Sample{
	{PromptIDs: []int{1, 403, 407}, Tokens: []int{261, 378, 434}, Codes: []int{3, 7, 9}, Reward: 1},
	{PromptIDs: []int{1, 403}, Tokens: []int{422, 261}, Codes: []int{5, 5}, Reward: 0},
}

// lossOf is tr's loss on samples b, all of them the batch.
func lossOf(tr *Trainer, b []Sample) float64 {
	var loss float64
	tensor.NoGrad(func() {
		sc := &tensor.Scope{}
		defer sc.Close()
		l, _ := tr.loss(b, takenCodes(b), sc)
		loss = sc.T(l).MustView([]int64{1}, false).Float64Values()[0]
	})
	return loss
}

// With Q near 0 at the start, the TD targets are the terminal rewards: loss = sum R^2 / steps.
func TestInitialLossIsTerminalReward(t *testing.T) {
	on, _ := tinyQ(t, 1)
	tg, _ := tinyQ(t, 2)
	tr, err := NewTrainer(on, tg, data, Config{Gamma: 0.99, TargetEvery: 5, Batch: 2, Steps: 10, LR: 1e-2, MinLR: 1e-3, GradClip: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Opt.Free()
	loss := lossOf(tr, data)
	if want := 1.0 / 5; math.Abs(loss-want) > 2e-3 {
		t.Fatalf("initial loss %.5f, want about %.3f (one reward of 1 over 5 taken codes)", loss, want)
	}
}

// Micro-batches cut a step's forward/backward, not the step: one TD update of the two samples
// with micro-batches of 1 gives the loss, mean Q and gradient norm of one pass over both.
func TestMicroBatchesLeaveTheUpdateAlone(t *testing.T) {
	step := func(micro int) map[string]any {
		on, _ := tinyQ(t, 1)
		tg, _ := tinyQ(t, 2)
		tr, err := NewTrainer(on, tg, data, Config{Gamma: 0.99, TargetEvery: 5, Batch: 2, MicroBatch: micro, Steps: 10, LR: 1e-2, MinLR: 1e-3, GradClip: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Opt.Free()
		m, err := tr.Advance(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return m.(map[string]any)
	}
	whole, micro := step(0), step(1)
	for _, k := range []string{"loss", "q_taken_mean", "grad_norm"} {
		w, m := whole[k].(float64), micro[k].(float64)
		if math.Abs(w-m) > 1e-5*math.Max(1e-3, math.Abs(w)) {
			t.Errorf("%s: %.8g in one pass, %.8g in micro-batches of 1", k, w, m)
		}
	}
	j := DefaultTrain()
	j.Data, j.MicroBatch = "q.jsonl", -1
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "micro_batch -1") {
		t.Errorf("micro_batch = -1: error %v, want one naming it", err)
	}
}

// Monte-Carlo targets are each code's discounted final reward: with Q near 0 at the start and
// gamma 0.5, the rewarded sample's three codes aim at 0.25, 0.5 and 1, so loss = 1.3125 / 5 (the
// TD targets give 1 / 5). An unknown kind of target is refused.
func TestMonteCarloTargets(t *testing.T) {
	on, _ := tinyQ(t, 1)
	tr, err := NewTrainer(on, on, data, Config{Gamma: 0.5, TargetEvery: 5, Batch: 2, Steps: 10, LR: 1e-2, Targets: TargetsMC})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Opt.Free()
	loss := lossOf(tr, data)
	if want := 1.3125 / 5; math.Abs(loss-want) > 2e-3 {
		t.Fatalf("initial Monte-Carlo loss %.5f, want about %.4f", loss, want)
	}
	_, err = NewTrainer(on, on, data, Config{Gamma: 0.5, TargetEvery: 5, Batch: 2, Steps: 10, LR: 1e-2, Targets: "sarsa"})
	if err == nil || !strings.Contains(err.Error(), `targets "sarsa"`) {
		t.Fatalf("targets sarsa: error %v, want one naming it", err)
	}
	j := DefaultTrain()
	j.Data, j.Targets = "q.jsonl", "sarsa"
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), `targets "sarsa"`) {
		t.Fatalf("a recipe's targets = \"sarsa\": error %v, want one naming it", err)
	}
}

// Training drives Q of the last code of the rewarded text towards 1, of the other towards 0; a
// run stopped and resumed ends where an uninterrupted one does.
func TestTrainLearnsAndResumes(t *testing.T) {
	final := func(stopAt int, dir string) []float32 {
		on, _ := tinyQ(t, 1)
		tg, _ := tinyQ(t, 2)
		tr, err := NewTrainer(on, tg, data, Config{Gamma: 0.99, TargetEvery: 5, Batch: 2, Steps: 40, LR: 1e-2, MinLR: 1e-3, GradClip: 1, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Opt.Free()
		o := run.Options{Steps: 40, Out: dir, StopAt: stopAt, Resume: run.Auto}
		if err := run.Loop(context.Background(), tr, o); err != nil {
			t.Fatal(err)
		}
		if stopAt > 0 {
			return nil
		}
		var q []float32
		tensor.NoGrad(func() {
			for _, s := range data {
				text := append(append([]int(nil), s.PromptIDs...), s.Tokens...)
				x, _ := on.Tokens(toInt64s(text), 1, len(text))
				v, err := on.QValues(x, &llama.Batch{Pad: []int{0}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				row := tensor.Float32s(v)
				last := len(s.PromptIDs) + len(s.Tokens) - 2 // the slot the last code follows
				q = append(q, row[last*on.Codes+s.Codes[len(s.Codes)-1]])
				tensor.Drop(x, v)
			}
		})
		return q
	}
	a := final(0, filepath.Join(t.TempDir(), "a"))
	if a[0] < 0.7 || math.Abs(float64(a[1])) > 0.3 {
		t.Fatalf("after training Q(last code) = %v for rewards 1, 0", a)
	}
	dir := filepath.Join(t.TempDir(), "b")
	final(17, dir)
	b := final(0, dir)
	if math.Abs(float64(a[0]-b[0])) > 1e-5 || math.Abs(float64(a[1]-b[1])) > 1e-5 {
		t.Fatalf("resumed run ends at %v, uninterrupted at %v", b, a)
	}
}

func TestAUC(t *testing.T) {
	d := []Sample{{Reward: 1}, {Reward: 0}, {Reward: 1}, {Reward: 0}}
	if a, n := auc([]float64{0.9, 0.1, 0.8, 0.2}, d); a != 1 || n != 2 {
		t.Fatalf("perfect ranking: auc %v, %d positives", a, n)
	}
	if a, _ := auc([]float64{0.1, 0.2, 0.9, 0.05}, d); a != 0.75 {
		t.Fatalf("3 of 4 pairs ordered: auc %v", a)
	}
}

func TestSaveLoad(t *testing.T) {
	q, tok := tinyQ(t, 1)
	dir := t.TempDir()
	if err := q.Save(dir, tok); err != nil {
		t.Fatal(err)
	}
	r, err := qnet.Load(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Free()
	if d := tensor.Float32s(q.Head.W)[5] - tensor.Float32s(r.Head.W)[5]; d != 0 || r.Codes != q.Codes {
		t.Fatalf("loaded head differs by %g, codes %d vs %d", d, r.Codes, q.Codes)
	}
	if _, err := qnet.Load(t.TempDir(), checkpoint.Options{}); err == nil {
		t.Fatal("an empty folder loaded as a Q-network")
	}
}

// qnet collect refuses MATH-500, the evaluation set, before any model is loaded.
func TestCollectRefusesMath500(t *testing.T) {
	j := DefaultCollect()
	j.Task = "math500"
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), "evaluation set") {
		t.Fatalf("collect on math500: %v", err)
	}
	j.Task = "math"
	if err := j.Validate(); err != nil {
		t.Fatalf("collect on math: %v", err)
	}
}

// Held-out samples collected from --from N share no problem with an evaluation of the first N
// problems, and CheckHeldOut (qnet assess) refuses a collection that does.
func TestHeldOutIsDisjointFromTheEvaluation(t *testing.T) {
	m, err := checkpoint.Open("../../../models/stories260K-cola", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	collect := func(from int) []Sample {
		j := CollectJob{Task: "story-target", From: from, Problems: 2, Samples: 1, MaxTokens: 4, Seed: 3}
		path := filepath.Join(t.TempDir(), "held.jsonl")
		if _, err := RunCollect(context.Background(), m, j, path, nil); err != nil {
			t.Fatal(err)
		}
		out, err := ReadSamples(path)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tk, _ := search.NewTask("story-target", rl.TaskOptions{})
	held := collect(100)
	for i, s := range held {
		if s.Problem != 100+i || s.Prompt != tk.Examples[100+i].Prompt {
			t.Fatalf("sample %d: problem %d %q, want problem %d", i, s.Problem, s.Prompt, 100+i)
		}
	}
	if err := CheckHeldOut(held, 100); err != nil {
		t.Fatalf("problems 100 and 101 against an evaluation of 100: %v", err)
	}
	if err := CheckHeldOut(held, 101); err == nil || !strings.Contains(err.Error(), "--from 101") {
		t.Fatalf("problem 100 against an evaluation of 101: %v", err)
	}
	if err := CheckHeldOut(collect(0), 100); err == nil {
		t.Fatal("held-out samples of the evaluation's own problems were accepted")
	}
	if err := (CollectJob{Task: "story-target", From: 112, Problems: 2, Samples: 1, MaxTokens: 4}).Validate(); err == nil {
		t.Fatal("from past the task's 112 problems was accepted")
	}
}
