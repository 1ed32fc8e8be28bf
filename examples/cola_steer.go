//go:build ignore

// Steer a CoLA model by forcing its latent action codes.
//
//	colash run examples/cola_steer.go [COLA_CHECKPOINT]
//
// With no argument it uses the shipped CoLA (stories260K-cola, trained by colash train).
package main

import (
	"fmt"
	"os"

	"colash"
)

func main() {
	path := "cola" // the shipped CoLA, trained on stories260K
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	m := colash.Load(path)
	prompt := "Once upon a time"
	opts := colash.Opts{N: 16, Seed: 1}

	free := m.Sample(prompt, opts) // the policy picks every code
	fmt.Println("policy:  ", free.Codes)

	for _, code := range []int{0, 5, 9} {
		r := m.Force(prompt, code, opts) // one code at every step
		fmt.Printf("force %-2d  %v  %q\n", code, r.Codes, r.Text)
	}

	// replay the codes the IDM reads from a sentence, then let the policy continue
	codes := m.Codes(" there was a little girl")
	r := m.Steer(prompt, codes, opts)
	fmt.Println("replayed:", r.Codes[:len(codes)], "then", r.Codes[len(codes):])
	fmt.Println(r)

	// push the policy toward code 3
	bias := make([]float32, m.NumCodes())
	bias[3] = 5
	b := m.Bias(prompt, bias, opts)
	fmt.Println("biased toward 3:", colash.Histogram(b.Codes).Top(3))
}
