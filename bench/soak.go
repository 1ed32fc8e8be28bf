package bench

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/internal/mem"
	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/models"
)

// SoakGenerations is how many generations Soak runs in one process.
var SoakGenerations = 5000

// Soak runs SoakGenerations short sampled generations in one process, alternating the shipped
// Llama and the shipped CoLA (each a fresh session: caches, batches, samplers), and compares the
// resident memory at the end with that after the first 100: a leak of even one small tensor or
// C allocation per generation shows as growth. The target is under 5%.
func Soak(ctx context.Context) ([]Result, error) {
	opt := checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}
	var ms []*checkpoint.Model
	for _, name := range []string{models.DefaultName, models.DefaultCoLA} {
		dir, err := models.Path(name)
		if err != nil {
			return nil, err
		}
		m, err := checkpoint.Open(dir, opt)
		if err != nil {
			return nil, err
		}
		defer m.Free()
		ms = append(ms, m)
	}
	var after100, peak int
	for i := 0; i < SoakGenerations; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := ms[i%len(ms)]
		prompt := m.Tok.Encode("Once upon a time", tokenizer.EncodeOptions{BOS: true})
		sess := generate.NewSession(m, len(prompt)+16, generate.Sampling{Temperature: 1, TopK: 40, Seed: uint64(i)})
		_, err := generate.Generate(ctx, sess, [][]int{prompt}, generate.Options{MaxTokens: 16,
			Sampling: generate.Sampling{Temperature: 0.8, Seed: uint64(i)}})
		sess.Close()
		if err != nil {
			return nil, fmt.Errorf("generation %d: %w", i, err)
		}
		if i+1 == 100 || i+1 == SoakGenerations || (i+1)%500 == 0 {
			tensor.TrimMemory()
			kb, err := mem.ResidentKB()
			if err != nil {
				return nil, err
			}
			if i+1 == 100 {
				after100 = kb
			}
			peak = max(peak, kb)
		}
	}
	end, err := mem.ResidentKB()
	if err != nil {
		return nil, err
	}
	growth := float64(end)/float64(after100) - 1
	verdict := "within the 5% target"
	if growth > 0.05 {
		verdict = "OVER the 5% target"
	}
	n := fmt.Sprint(SoakGenerations)
	return []Result{
		{Name: "soak: RSS after 100 generations", Value: float64(after100) / 1024, Unit: "MiB"},
		{Name: "soak: RSS after " + n + " generations", Value: float64(end) / 1024, Unit: "MiB", Note: fmt.Sprintf("peak %.1f MiB", float64(peak)/1024)},
		{Name: "soak: RSS growth", Value: 100 * growth, Unit: "%", Note: verdict + "; 16 sampled tokens each, Llama and CoLA alternating"},
	}, nil
}
