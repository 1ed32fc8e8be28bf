//go:build ignore

// Steering by activations against steering by codes on the tiny CoLA, side by side.
//
//	colash run examples/hooks_steer.go [COLA_CHECKPOINT]
//
// Both directions come from the same contrastive texts (about a dog / about a cat):
//   - a steering vector, the mean difference of the backbone's residual stream
//     (blocks.2.hook_resid_post), added at every step;
//   - a code direction, log p+(code) - log p-(code) under the IDM, added to the policy's
//     logits (policy.hook_logits).
//
// The effect is counted: the share of seeded samples (greedy tokens, the codes drawn by the
// policy from the seed) that mention "dog" and "cat".
package main

import (
	"fmt"
	"os"
	"strings"

	"colash"
)

func main() {
	path := "cola"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	m := colash.Load(path)
	dog := []string{"The dog ran to the park. The dog barked.", "Max the dog wagged his tail.", "A big dog played with a ball."}
	cat := []string{"The cat ran to the park. The cat meowed.", "Max the cat licked his paw.", "A big cat played with a ball."}
	vec := colash.SteeringVector(m, dog, cat, 2)
	code := colash.CodeDirection(m, dog, cat)
	fmt.Println(vec)
	fmt.Println(code)

	prompts := []string{"Once upon a time", "One day,", "Lily saw a"}
	const seeds = 16
	count := func(o colash.Opts) (string, float64, float64) {
		nDog, nCat, first := 0, 0, ""
		for _, p := range prompts {
			for seed := 0; seed < seeds; seed++ {
				o.N, o.Seed = 24, seed // greedy tokens; the seed draws the codes
				text := m.Generate(p, o).Text
				if first == "" {
					first = text
				}
				if strings.Contains(text, "dog") {
					nDog++
				}
				if strings.Contains(text, "cat") {
					nCat++
				}
			}
		}
		n := float64(len(prompts) * seeds)
		return first, float64(nDog) / n, float64(nCat) / n
	}
	fmt.Printf("\n%-26s %-6s %-6s %s\n", "", "dog", "cat", "first sample (\"Once upon a time\", seed 0)")
	for _, c := range []struct {
		name string
		o    colash.Opts
	}{
		{"plain", colash.Opts{}},
		{"steering vector x2", colash.Opts{Steer: vec, Scale: 2}},
		{"code direction x1", colash.Opts{Steer: code, Scale: 1}},
		{"code direction x2", colash.Opts{Steer: code, Scale: 2}},
	} {
		first, d, k := count(c.o)
		fmt.Printf("%-26s %-6.2f %-6.2f %q\n", c.name, d, k, first)
	}
}
