//go:build ignore

// Generate text with the shipped model: greedy, then sampled with a few seeds.
//
//	colash run examples/generate.go
package main

import (
	"fmt"

	"colash"
)

func main() {
	m := colash.Load("") // the shipped stories260K model
	fmt.Println(m)

	r := m.Generate("Once upon a time", colash.Opts{N: 40})
	fmt.Println(r)
	fmt.Printf("%d tokens, %.0f tok/s\n\n", len(r.Tokens), r.TokensPerSecond())

	for _, seed := range colash.Range(3) {
		r := m.Generate("The little dog", colash.Opts{N: 24, Temp: 0.8, TopK: 40, Seed: seed})
		fmt.Printf("seed %d: %s\n", seed, r.Text)
	}

	fmt.Println(m.Next("The cat sat on the", 5))
}
