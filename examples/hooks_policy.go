//go:build ignore

// Reading a CoLA's modules along a text: at each token, the policy's distribution over the
// latent codes (its three likeliest codes and its entropy) next to the code the inverse
// dynamics model reads behind the token that follows.
//
//	colash run examples/hooks_policy.go [COLA_CHECKPOINT] [TEXT]
package main

import (
	"fmt"
	"math"
	"os"
	"sort"

	"colash"
)

func main() {
	path, text := "cola", "Once upon a time, there was a little dog named Max."
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if len(os.Args) > 2 {
		text = os.Args[2]
	}
	m := colash.Load(path)
	pol := m.PolicyLogits(text) // row t: the code that will produce token t+1
	idm := m.IDMLogits(text)    // row t: the code that did produce token t+1
	pieces := append([]string{"<s>"}, m.Pieces(text)...)
	fmt.Printf("%-10s %-10s %-5s %-7s %s\n", "at", "next", "idm", "entropy", "policy's top codes")
	for t := 0; t+1 < len(pieces); t++ {
		p := colash.Softmax(pol[t])
		idx := colash.Range(len(p))
		sort.Slice(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
		h := 0.0
		for _, q := range p {
			if q > 0 {
				h -= q * math.Log(q)
			}
		}
		read := colash.ArgMax(idm[t])
		fmt.Printf("%-10q %-10q %-5d %-7.2f", pieces[t], pieces[t+1], read, h)
		for _, k := range idx[:3] {
			mark := " "
			if k == read {
				mark = "*"
			}
			fmt.Printf("  %2d%s %.2f", k, mark, p[k])
		}
		fmt.Println()
	}
	fmt.Println("\n* the code the IDM reads; entropy in nats (uniform over the codes:", fmt.Sprintf("%.2f)", math.Log(float64(m.NumCodes()))))
}
