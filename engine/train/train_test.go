package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

func tokenizerOpts() tokenizer.EncodeOptions { return tokenizer.EncodeOptions{} }

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }

func isBackbone(name string) bool { return !cola.IsModuleTensor(name) }

func TestStage1LossFallsCodesAlive(t *testing.T) {
	c := tinyCoLA(t, 1)
	defer c.Free()
	seqs := sampledCorpus(t, c)
	bb := hashParams(t, c.CoLA, isBackbone)
	data, _ := NewLoader(seqs, 1)
	cfg := Defaults(StageIDM)
	cfg.Steps, cfg.Batch, cfg.LR, cfg.MinLR, cfg.Warmup = 30, 8, 3e-3, 3e-4, 3
	tr, err := NewTrainer(c.CoLA, data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	var first, last float64
	var mt Metrics
	for i := 0; i < cfg.Steps; i++ {
		if mt, err = tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			first += mt.CE / 5
		}
		if i >= cfg.Steps-5 {
			last += mt.CE / 5
		}
		t.Logf("step %d loss %.4f ce %.4f alive %d max %.3f gn %.3f", i, mt.Loss, mt.CE, mt.Alive, mt.MaxFrac, mt.GradNorm)
	}
	if !(last < first-0.1) {
		t.Fatalf("world-model CE did not fall: first 5 steps %.4f, last 5 %.4f", first, last)
	}
	if mt.Alive < 8 || mt.MaxFrac > 0.5 {
		t.Fatalf("codes collapsed: %d alive, max fraction %.3f", mt.Alive, mt.MaxFrac)
	}
	if got := hashParams(t, c.CoLA, isBackbone); got != bb {
		t.Fatal("stage 1a changed the backbone")
	}
}

func isPolicy(name string) bool { return strings.Contains(name, "policy") }

func TestBCAccuracyRisesOthersFrozen(t *testing.T) {
	c := tinyCoLA(t, 2)
	defer c.Free()
	seqs := sampledCorpus(t, c)
	others := hashParams(t, c.CoLA, func(n string) bool { return !isPolicy(n) })
	data, _ := NewLoader(seqs, 3)
	cfg := Defaults(StageBC)
	cfg.Steps, cfg.Batch, cfg.LR, cfg.MinLR, cfg.Warmup = 30, 8, 3e-3, 3e-4, 3
	tr, err := NewTrainer(c.CoLA, data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	for _, p := range tr.Params {
		if !isPolicy(p.Name) {
			t.Fatalf("BC trains %s", p.Name)
		}
	}
	var first, last float64
	for i := 0; i < cfg.Steps; i++ {
		mt, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			first += mt.Acc / 5
		}
		if i >= cfg.Steps-5 {
			last += mt.Acc / 5
		}
	}
	t.Logf("BC accuracy: first 5 updates %.3f, last 5 %.3f", first, last)
	if !(last > first+0.1) {
		t.Fatalf("BC accuracy did not rise: %.3f -> %.3f", first, last)
	}
	if hashParams(t, c.CoLA, func(n string) bool { return !isPolicy(n) }) != others {
		t.Fatal("BC changed weights outside the policy")
	}
}

// runSteps trains n updates and returns their losses.
func runSteps(t *testing.T, tr *Trainer, n int) []float64 {
	var out []float64
	for i := 0; i < n; i++ {
		mt, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mt.Loss)
	}
	return out
}

func TestResumeExact(t *testing.T) {
	for _, stage := range []Stage{StageIDM, StageBC} {
		t.Run(string(stage), func(t *testing.T) {
			cfg := Defaults(stage)
			cfg.Steps, cfg.Batch, cfg.Accum, cfg.LR, cfg.MinLR, cfg.Warmup, cfg.Seed = 8, 4, 2, 3e-3, 3e-4, 2, 5
			keep := func(n string) bool {
				return strings.Contains(n, map[Stage]string{StageIDM: "action", StageBC: "policy"}[stage])
			}
			// Straight run.
			a := tinyCoLA(t, 4)
			defer a.Free()
			seqs := sampledCorpus(t, a)
			da, _ := NewLoader(seqs, cfg.Seed)
			ta, err := NewTrainer(a.CoLA, da, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ta.Free()
			straight := runSteps(t, ta, cfg.Steps)
			// Half, save, a fresh process's worth of objects, resume, the other half.
			b := tinyCoLA(t, 4)
			db, _ := NewLoader(seqs, cfg.Seed)
			tb, _ := NewTrainer(b.CoLA, db, cfg)
			first := runSteps(t, tb, cfg.Steps/2)
			dir := filepath.Join(t.TempDir(), "ckpt")
			if err := tb.Save(dir); err != nil {
				t.Fatal(err)
			}
			tb.Free()
			b.Free()
			c := tinyCoLA(t, 4)
			defer c.Free()
			dc, _ := NewLoader(seqs, cfg.Seed)
			tc, _ := NewTrainer(c.CoLA, dc, cfg)
			defer tc.Free()
			if err := tc.Load(dir); err != nil {
				t.Fatal(err)
			}
			if tc.Step != cfg.Steps/2 {
				t.Fatalf("resumed at %d", tc.Step)
			}
			resumed := append(first, runSteps(t, tc, cfg.Steps-cfg.Steps/2)...)
			for i := range straight {
				if straight[i] != resumed[i] {
					t.Fatalf("update %d: loss %.9g straight, %.9g resumed\n%v\n%v", i, straight[i], resumed[i], straight, resumed)
				}
			}
			if hashParams(t, a.CoLA, keep) != hashParams(t, c.CoLA, keep) {
				t.Fatal("weights differ after resume")
			}
		})
	}
}

func TestPackAndCursor(t *testing.T) {
	docs := []Doc{{Tokens: []int{1, 10, 11, 2}, Loss: []bool{false, true, true, true}},
		{Tokens: []int{1, 20, 21, 22, 2}, Loss: []bool{false, false, true, true, true}}}
	seqs := Pack(docs, 4)
	if len(seqs) != 2 {
		t.Fatalf("%d sequences, want 2 (9 tokens / 4, tail dropped)", len(seqs))
	}
	if fmt.Sprint(seqs[0].Tokens, seqs[1].Tokens) != "[1 10 11 2] [1 20 21 22]" {
		t.Fatalf("packed %v %v", seqs[0].Tokens, seqs[1].Tokens)
	}
	if fmt.Sprint(seqs[1].Loss) != "[false false true true]" {
		t.Fatalf("loss mask %v", seqs[1].Loss)
	}
	padded := Pad(docs, 6, 0)
	if fmt.Sprint(padded[0].Tokens, padded[0].Loss) != "[1 10 11 2 0 0] [false true true true false false]" {
		t.Fatalf("padded %v %v", padded[0].Tokens, padded[0].Loss)
	}
	// A loader visits every sequence once per epoch, reshuffles, and resumes from its cursor.
	many := make([]Seq, 10)
	for i := range many {
		many[i] = Seq{Tokens: []int64{int64(i)}}
	}
	l, _ := NewLoader(many, 9)
	ids := func(ss []Seq) (out []int64) {
		for _, s := range ss {
			out = append(out, s.Tokens[0])
		}
		return
	}
	ep0 := ids(l.Next(10))
	seen := map[int64]bool{}
	for _, v := range ep0 {
		seen[v] = true
	}
	if len(seen) != 10 {
		t.Fatalf("epoch 0 is not a permutation: %v", ep0)
	}
	l.Next(3)
	cur := l.Cursor
	want := ids(l.Next(12))
	l2, _ := NewLoader(many, 9)
	l2.SetCursor(cur)
	if got := ids(l2.Next(12)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resumed loader gives %v, want %v", got, want)
	}
	if l.Epoch != 2 {
		t.Fatalf("epoch %d after 25 of 10", l.Epoch)
	}
	ep1 := append(ids(Pack(nil, 1)), ep0...)
	l3, _ := NewLoader(many, 9)
	l3.SetCursor(Cursor{Epoch: 1})
	if fmt.Sprint(ids(l3.Next(10))) == fmt.Sprint(ep1) {
		t.Fatal("epoch 1 has the order of epoch 0")
	}
	// Text data: paragraphs; JSONL: a field, or prompt/response with the prompt masked.
	dir := t.TempDir()
	c := tinyCoLA(t, 0)
	defer c.Free()
	txt := filepath.Join(dir, "a.txt")
	os.WriteFile(txt, []byte("Once upon a time.\n\nThe end."), 0o644)
	d, err := ReadDocs(txt, c.Tok, DataConfig{})
	if err != nil || len(d) != 2 || d[0].Tokens[0] != c.Tok.BOS() || d[0].Tokens[len(d[0].Tokens)-1] != c.Tok.EOS() {
		t.Fatalf("text docs %v %v", d, err)
	}
	js := filepath.Join(dir, "a.jsonl")
	os.WriteFile(js, []byte(`{"q":"Tom had a ball.","a":"He was happy."}`+"\n"), 0o644)
	d, err = ReadDocs(js, c.Tok, DataConfig{PromptField: "q", ResponseField: "a"})
	if err != nil || len(d) != 1 {
		t.Fatal(err)
	}
	np := len(c.Tok.Encode("Tom had a ball.", tokenizerOpts()))
	for i, l := range d[0].Loss {
		if l != (i > np) {
			t.Fatalf("prompt/response mask %v (prompt %d tokens)", d[0].Loss, np)
		}
	}
	if _, err := ReadDocs(js, c.Tok, DataConfig{Field: "text"}); err == nil {
		t.Fatal("missing field accepted")
	}
}

func TestNoMemoryGrowth(t *testing.T) {
	c := tinyCoLA(t, 6)
	defer c.Free()
	seqs := sampledCorpus(t, c)
	for _, stage := range []Stage{StageIDM, StageBC, StageFTAP} {
		data, _ := NewLoader(seqs, 1)
		cfg := Defaults(stage)
		cfg.Steps, cfg.Batch, cfg.Accum, cfg.Warmup = 40, 4, 2, 2
		tr, err := NewTrainer(c.CoLA, data, cfg)
		if err != nil {
			t.Fatal(err)
		}
		runSteps(t, tr, 3)
		base := len(ts.ExistingTensors)
		runSteps(t, tr, 15)
		if got := len(ts.ExistingTensors); got != base {
			t.Fatalf("%s: %d live tensors after 15 more updates, %d before", stage, got, base)
		}
		tr.Free()
	}
}

func TestFTA(t *testing.T) {
	for _, stage := range []Stage{StageFTAI, StageFTAP} {
		t.Run(string(stage), func(t *testing.T) {
			c := tinyCoLA(t, 8)
			defer c.Free()
			seqs := sampledCorpus(t, c)
			mods := hashParams(t, c.CoLA, cola.IsModuleTensor)
			bb := hashParams(t, c.CoLA, isBackbone)
			data, _ := NewLoader(seqs, 1)
			cfg := Defaults(stage)
			cfg.Steps, cfg.Batch, cfg.LR, cfg.Warmup = 3, 4, 1e-3, 0
			cfg.MinLR = 1e-4
			tr, err := NewTrainer(c.CoLA, data, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			for _, mt := range runSteps(t, tr, 3) {
				if math.IsNaN(mt) || mt <= 0 {
					t.Fatalf("loss %v", mt)
				}
			}
			if hashParams(t, c.CoLA, cola.IsModuleTensor) != mods {
				t.Fatal("FTA changed the CoLA modules")
			}
			if hashParams(t, c.CoLA, isBackbone) == bb {
				t.Fatal("FTA left the backbone unchanged")
			}
			// Every backbone block weight got a gradient (none is a fused view).
			for _, p := range tr.Params {
				g := p.W.MustGrad(false)
				ok := g.MustDefined()
				g.MustDrop()
				if !ok {
					t.Fatalf("%s: no gradient", p.Name)
				}
			}
		})
	}
}

// TestStage1LossIsTheWorldModel checks that the training path computes the inference world
// model: stage 1's cross-entropy equals the CE of cola.WorldModelLogits under the hard codes that
// stage 1 chose (the straight-through codes are one-hot in the forward pass).
func TestStage1LossIsTheWorldModel(t *testing.T) {
	c := tinyCoLA(t, 2)
	defer c.Free()
	seqs := sampledCorpus(t, c)[:4]
	data, _ := NewLoader(seqs, 1)
	tr, err := NewTrainer(c.CoLA, data, Defaults(StageIDM))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	var r microResult
	var ce float64
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		tr.loss(tr.split(seqs), &r, s)
		B, T := len(seqs), len(seqs[0].Tokens)
		x, tgt, mask, n := batchTensors(seqs, c.Device(), s)
		codes := make([]int64, 0, B*T)
		for b := 0; b < B; b++ {
			codes = append(codes, r.codes[b*(T-1):(b+1)*(T-1)]...)
			codes = append(codes, 0) // the last position predicts nothing
		}
		batch := &llama.Batch{Pad: make([]int, B)}
		h := own(s)(c.Llama.Hidden(x, batch, nil))
		ct := s.T(tensor.FromInt64s(codes, []int64{int64(B), int64(T)}, c.Device()))
		logits := own(s)(c.CoLA.WorldModelLogits(h, ct))
		ce = scalar(maskedMean(nll(head(logits, s), tgt, s), mask, n, s))
	})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ce-r.ce) > 1e-5 {
		t.Fatalf("stage 1 CE %.6f, world model under its codes %.6f", r.ce, ce)
	}
}

// TestStageRouting trains two updates of each stage and checks which weights move, against the
// paper: stage 1a the IDM, codebook and merge MLPs ("action"); BC the policy; FTA-I and FTA-P the
// backbone only, FTA-I through norm(s) and FTA-P through -h (cola.WorldModelState's routing,
// checked on its own by TestWorldModelGradientRouting).
func TestStageRouting(t *testing.T) {
	groups := map[string]func(string) bool{
		"backbone": isBackbone,
		"action":   func(n string) bool { return strings.Contains(n, "action") },
		"policy":   func(n string) bool { return strings.Contains(n, "policy") },
	}
	moves := map[Stage]string{StageIDM: "action", StageBC: "policy", StageFTAI: "backbone", StageFTAP: "backbone"}
	for _, stage := range []Stage{StageIDM, StageBC, StageFTAI, StageFTAP} {
		t.Run(string(stage), func(t *testing.T) {
			c := tinyCoLA(t, 3)
			defer c.Free()
			before := map[string]string{}
			for g, keep := range groups {
				before[g] = hashParams(t, c.CoLA, keep)
			}
			data, _ := NewLoader(sampledCorpus(t, c), 1)
			cfg := Defaults(stage)
			cfg.Steps, cfg.Batch, cfg.LR, cfg.MinLR, cfg.Warmup = 2, 4, 1e-3, 1e-4, 0
			tr, err := NewTrainer(c.CoLA, data, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			runSteps(t, tr, 2)
			for g, keep := range groups {
				moved := hashParams(t, c.CoLA, keep) != before[g]
				if moved != (g == moves[stage]) {
					t.Errorf("%s weights moved: %v", g, moved)
				}
			}
		})
	}
	if ftaGrad(StageFTAI) != cola.GradNorm || ftaGrad(StageFTAP) != cola.GradResidual {
		t.Error("FTA-I must route through norm(s) (GradNorm), FTA-P through -h (GradResidual)")
	}
}

func TestUsageKL(t *testing.T) {
	kl := func(p []float32, mask []float32, n int) float64 {
		var v float64
		err := tensor.Guard(func() {
			s := &tensor.Scope{}
			defer s.Close()
			pt := s.T(tensor.FromFloat32s(p, []int64{1, int64(len(mask)), int64(len(p) / len(mask))}, gotch.CPU))
			mt := s.T(tensor.FromFloat32s(mask, []int64{1, int64(len(mask))}, gotch.CPU))
			v = scalar(usageKL(pt, mt, n, s))
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Two positions using codes 0 and 1 of 2: uniform usage.
	if v := kl([]float32{1, 0, 0, 1}, []float32{1, 1}, 2); math.Abs(v) > 1e-6 {
		t.Errorf("uniform usage: KL %g", v)
	}
	// Both on code 0 of 4: log 4. A masked position does not count.
	if v := kl([]float32{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}, []float32{1, 1, 0}, 2); math.Abs(v-math.Log(4)) > 1e-6 {
		t.Errorf("collapsed usage: KL %g, want log 4", v)
	}
}

// TestMarginalNLL: with all the policy's mass on one code the marginal likelihood is the world
// model's under that code; with two codes it is the mixture of the two.
func TestMarginalNLL(t *testing.T) {
	c := tinyCoLA(t, 5)
	defer c.Free()
	m := c.CoLA
	seqs := sampledCorpus(t, c)[:2]
	C := int64(m.Config.NumCode)
	err := tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		x, tgt, _, _ := batchTensors(seqs, c.Device(), s)
		B, T := int64(len(seqs)), int64(len(seqs[0].Tokens))
		h := own(s)(c.Llama.Hidden(x, &llama.Batch{Pad: make([]int, B)}, nil))
		wmNLL := func(code int64) []float32 {
			codes := s.T(ts.MustFull([]int64{B, T}, tensor.Scalar(float64(code)), gotch.Int64, c.Device()))
			return tensor.Float32s(nll(head(own(s)(m.WorldModelLogits(h, codes)), s), tgt, s))
		}
		policy := func(mass map[int64]float64) *ts.Tensor {
			v := make([]float32, B*(T-1)*C)
			for i := range v {
				v[i] = -1e4
				if p, ok := mass[int64(i)%C]; ok {
					v[i] = float32(math.Log(p))
				}
			}
			return s.T(tensor.FromFloat32s(v, []int64{B, T - 1, C}, c.Device()))
		}
		a, b := wmNLL(3), wmNLL(11)
		one := tensor.Float32s(marginalNLL(m, h, policy(map[int64]float64{3: 1}), tgt, s))
		two := tensor.Float32s(marginalNLL(m, h, policy(map[int64]float64{3: 0.25, 11: 0.75}), tgt, s))
		for i := range one {
			mix := -math.Log(0.25*math.Exp(-float64(a[i])) + 0.75*math.Exp(-float64(b[i])))
			if math.Abs(float64(one[i]-a[i])) > 1e-4 || math.Abs(float64(two[i])-mix) > 1e-4 {
				t.Fatalf("position %d: one code %g vs %g; mixture %g vs %g", i, one[i], a[i], two[i], mix)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPackAligned(t *testing.T) {
	doc := func(ids ...int) Doc {
		d := Doc{Tokens: ids, Loss: make([]bool, len(ids))}
		for i := range d.Loss {
			d.Loss[i] = i > 0
		}
		return d
	}
	// T 6: [a a a] fits, [b b b b] does not, so its first 3 tokens fill the rest and it starts the
	// next sequence; [c ... c] (8 tokens) is cut to 6 in a sequence of its own; [d] is the unfilled tail.
	seqs := PackAligned([]Doc{doc(1, 10, 11), doc(1, 20, 21, 22), doc(1, 30, 31, 32, 33, 34, 35, 36), doc(1, 40)}, 6)
	var got []string
	for _, s := range seqs {
		got = append(got, fmt.Sprint(s.Tokens, s.Loss))
	}
	want := []string{
		"[1 10 11 1 20 21] [false true true false true true]",
		"[1 20 21 22 1 30] [false true true true false true]",
		"[1 30 31 32 33 34] [false true true true true true]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("aligned packing\n got %q\nwant %q", got, want)
	}
}
