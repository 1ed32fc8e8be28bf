//go:build ignore

// Activation patching on stories260K: which positions carry a character's name?
//
//	colash run examples/hooks_patch.go
//
// The clean story names Lily, the corrupt one Tim; both go on to "One day,", where the model
// names its character again. For each layer and position, the corrupt story is run with the
// residual stream entering that layer (blocks.{i}.hook_resid_pre) at that position taken from
// the clean story, and the effect on logit(" Lily") - logit(" Tim") at the last position is
// printed as a share of the clean-corrupt gap: the name's own position early, the last
// position late (where the name has been moved to by attention).
package main

import (
	"fmt"
	"strings"

	"colash"
)

func main() {
	m := colash.Load("")
	clean := "Lily had a big red ball. One day,"
	corrupt := "Tim had a big red ball. One day,"
	lily, tim := m.Tokenize("Lily")[0], m.Tokenize("Tim")[0] // " Lily", " Tim": one token each
	metric := func(lg [][]float32) float64 {
		last := lg[len(lg)-1]
		return float64(last[lily] - last[tim])
	}
	gap := metric(m.Logits(clean)) - metric(m.Logits(corrupt))
	fmt.Printf("logit(Lily) - logit(Tim): clean %.2f, corrupt %.2f\n\n", metric(m.Logits(clean)), metric(m.Logits(corrupt)))

	pieces := m.RunWithCache(corrupt, "hook_embed").Pieces
	fmt.Printf("%-9s", "layer")
	for _, p := range pieces {
		fmt.Printf("%7s", strings.TrimSpace(p))
	}
	fmt.Println()
	for layer := 0; layer < m.Info().Layers; layer++ {
		effect := colash.Patch(m, clean, corrupt, fmt.Sprintf("blocks.%d.hook_resid_pre", layer), metric)
		fmt.Printf("%-9d", layer)
		for _, e := range effect {
			fmt.Printf("%7.2f", e/gap)
		}
		fmt.Println()
	}
}
