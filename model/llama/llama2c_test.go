package llama_test

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"colash/internal/testenv"
	"colash/model/llama"
	"colash/model/llama2c"
	"colash/model/tensor"
)

const storiesDir = "models/stories260K/"

func loadStories(t testing.TB, file string) *llama.Model {
	t.Helper()
	cfg, src, err := llama2c.Read(testenv.Shared(t, storiesDir+file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := llama.New(cfg, gotch.CPU, gotch.Float)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadWeights(src); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Free)
	return m
}

// expectedLogits parses expected_logits.txt: pos, input token, argmax, logits[0..7].
func expectedLogits(t *testing.T) (inputs []int64, argmax []int, logits [][]float64) {
	f, err := os.Open(testenv.Shared(t, storiesDir+"expected_logits.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fs := strings.Fields(sc.Text())
		in, _ := strconv.Atoi(fs[1])
		am, _ := strconv.Atoi(fs[2])
		var row []float64
		for _, s := range fs[3:] {
			v, _ := strconv.ParseFloat(s, 64)
			row = append(row, v)
		}
		inputs, argmax, logits = append(inputs, int64(in)), append(argmax, am), append(logits, row)
	}
	return
}

func TestStoriesLogitsMatchLlama2C(t *testing.T) {
	inputs, argmax, want := expectedLogits(t)
	for _, file := range []string{"stories260K.bin", "stories260K_v1.bin"} {
		m := loadStories(t, file)
		// One forward over all five tokens without a cache, and the same tokens one at a time with it.
		full := tensor.FromInt64s(inputs, []int64{1, int64(len(inputs))}, gotch.CPU)
		h, err := m.Hidden(full, &llama.Batch{Pad: []int{0}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := tensor.Float32s(m.Logits(h)) // [1,T,V]
		V := m.Config.Vocab
		cache := m.NewCache(1, 8)
		batch := &llama.Batch{Pad: []int{0}}
		for pos := range inputs {
			tok := tensor.FromInt64s(inputs[pos:pos+1], []int64{1, 1}, gotch.CPU)
			lg, err := m.LastLogits(tok, batch, cache)
			if err != nil {
				t.Fatal(err)
			}
			batch.Advance(1)
			step := tensor.Float32s(lg)
			row := got[pos*V : (pos+1)*V]
			best := 0
			for i := range row {
				if math.Abs(float64(row[i]-step[i])) > 1e-4 {
					t.Fatalf("%s pos %d logit %d: cached %f, full %f", file, pos, i, step[i], row[i])
				}
				if row[i] > row[best] {
					best = i
				}
			}
			if best != argmax[pos] {
				t.Errorf("%s pos %d: argmax %d, llama2.c %d", file, pos, best, argmax[pos])
			}
			for i, w := range want[pos] {
				if d := math.Abs(float64(row[i]) - w); d > 1e-4 {
					t.Errorf("%s pos %d logit %d: got %.6f want %.6f (diff %.2g)", file, pos, i, row[i], w, d)
				}
			}
		}
	}
}

func TestUntiedOutputHead(t *testing.T) {
	cfg, src, err := llama2c.Read(testenv.Shared(t, storiesDir+"stories260K.bin"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.TieEmbeddings = false
	m, _ := llama.New(cfg, gotch.CPU, gotch.Float)
	if err := m.LoadWeights(src); err == nil || !strings.Contains(err.Error(), "lm_head.weight") {
		t.Fatalf("untied config without lm_head: %v", err)
	}
	// With its own head (a copy of the embedding), the model computes what the tied one does.
	head := append([]float32(nil), src.Get("model.embed_tokens.weight")...)
	src.Put("lm_head.weight", head, int64(cfg.Vocab), int64(cfg.Dim))
	if err := m.LoadWeights(src); err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if m.LMHead.W == m.Embed.W {
		t.Fatal("untied model shares its head with the embedding")
	}
	tied := loadStories(t, "stories260K.bin")
	x := tensor.FromInt64s([]int64{1, 403, 407}, []int64{1, 3}, gotch.CPU)
	a, _ := m.LastLogits(x, &llama.Batch{Pad: []int{0}}, nil)
	b, _ := tied.LastLogits(x, &llama.Batch{Pad: []int{0}}, nil)
	av, bv := tensor.Float32s(a), tensor.Float32s(b)
	for i := range av {
		if av[i] != bv[i] {
			t.Fatalf("logit %d: untied %f, tied %f", i, av[i], bv[i])
		}
	}
}
