package inspect

import (
	"context"
	"math"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/models"
)

// Spread's figures are those of the decoding path: at every position of the sampled
// continuations, a branch's policy (softmax over its cached logits) and its world model's greedy
// token under each code (Branch.Next), walked token by token, give the same entropies, top-token
// mass and distinct tokens as Spread's one pass over each whole sequence.
func TestSpreadIsTheDecodersCodesAndTokens(t *testing.T) {
	dir, err := models.Path(models.DefaultCoLA)
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.Open(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	cfg := DefaultCodes
	cfg.Prompts, cfg.Samples, cfg.Tokens = cfg.Prompts[:2], 2, 6
	got, err := Spread(context.Background(), m, cfg)
	if err != nil {
		t.Fatal(err)
	}

	var want SpreadStats
	C := m.CoLA.Config.NumCode
	err = sampled(context.Background(), m, cfg, func(ids []int, p int, _ []int) error {
		var count generate.Forward
		b, err := generate.NewBranch(m.CoLA, nil, ids[:p], &count)
		if err != nil {
			return err
		}
		for i := p; i < len(ids); i++ {
			logits := b.Policy()
			pi := softmax(logits)
			byToken, top, best := map[int]float64{}, map[int]bool{}, 0
			toks := make([]int, C)
			for c := range C {
				if toks[c], err = b.Next(c); err != nil {
					return err
				}
				byToken[toks[c]] += pi[c]
				want.CodeEntropy -= xlogx(pi[c])
				if pi[c] > pi[best] {
					best = c
				}
			}
			for _, q := range byToken {
				want.TokenEntropy -= xlogx(q)
			}
			want.TopTokenMass += byToken[toks[best]]
			for k := 0; k < 10; k++ { // the 10 most probable codes, one at a time
				c := generate.Argmax(pi)
				top[toks[c]], pi[c] = true, -1
			}
			want.DistinctTop10 += float64(len(top))
			want.Positions++
			child, err := b.Child(ids[i])
			b.Free()
			if err != nil {
				return err
			}
			b = child
		}
		b.Free()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Positions != want.Positions || want.Positions < 2*2*4 {
		t.Fatalf("%d positions, the decoder walked %d", got.Positions, want.Positions)
	}
	n := float64(want.Positions)
	for _, x := range []struct {
		name      string
		got, want float64
	}{{"code entropy", got.CodeEntropy, want.CodeEntropy / n}, {"token entropy", got.TokenEntropy, want.TokenEntropy / n},
		{"top-token mass", got.TopTokenMass, want.TopTokenMass / n}, {"distinct tokens", got.DistinctTop10, want.DistinctTop10 / n}} {
		if math.Abs(x.got-x.want) > 1e-4 {
			t.Errorf("%s: %.6f, the decoder's %.6f", x.name, x.got, x.want)
		}
	}
	if got.TokenEntropy > got.CodeEntropy || got.TokenEntropy <= 0 || got.BackboneEntropy <= 0 {
		t.Errorf("entropies: codes %.3f, tokens %.3f, backbone %.3f", got.CodeEntropy, got.TokenEntropy, got.BackboneEntropy)
	}
}

func softmax(l []float32) []float64 {
	p := make([]float64, len(l))
	m, z := math.Inf(-1), 0.0
	for _, x := range l {
		m = math.Max(m, float64(x))
	}
	for i, x := range l {
		p[i] = math.Exp(float64(x) - m)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}
