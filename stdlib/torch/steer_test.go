package torch_test

import (
	"strings"
	"testing"

	colash "colash/stdlib"
)

// mentions counts the seeded samples (24 tokens, temperature 1) from each prompt whose
// continuation contains each of words.
func mentions(m *colash.Model, prompts []string, seeds int, o colash.Opts, words ...string) []int {
	n := make([]int, len(words))
	for _, p := range prompts {
		for seed := range seeds {
			o.N, o.Temp, o.Seed = 24, 1, seed
			text := m.Generate(p, o).Text
			for i, w := range words {
				if strings.Contains(text, w) {
					n[i]++
				}
			}
		}
	}
	return n
}

// A steering vector from texts about Tom against the same texts about Lily makes seeded
// samples mention Tom more often and Lily less often.
func TestSteeringVectorShiftsGenerations(t *testing.T) {
	m := colash.Load("")
	v := colash.SteeringVector(m,
		[]string{"Tom went out. Tom played.", "Tom and his friend Tom."},
		[]string{"Lily went out. Lily played.", "Lily and her friend Lily."}, 1)
	prompts := []string{"Once upon a time", "One day,"}
	const seeds = 32
	plain := mentions(m, prompts, seeds, colash.Opts{}, "Tom", "Lily")
	toward := mentions(m, prompts, seeds, colash.Opts{Steer: v, Scale: 2}, "Tom", "Lily")
	t.Logf("samples of %d mentioning Tom / Lily: plain %v, steered toward Tom %v", len(prompts)*seeds, plain, toward)
	if toward[0] < plain[0]+4 || toward[1] > plain[1]-5 {
		t.Errorf("steering toward Tom: Tom %d -> %d, Lily %d -> %d samples", plain[0], toward[0], plain[1], toward[1])
	}
}
