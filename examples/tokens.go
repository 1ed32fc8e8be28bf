//go:build ignore

// Tokenize a text, look at the pieces and chart how often each occurs.
//
//	colash run examples/tokens.go
package main

import (
	"fmt"
	"math"
	"strings"

	"colash"
)

func main() {
	m := colash.Load("")
	text := "The cat saw the dog. The dog saw the cat, and the cat ran to the tree."

	ids := m.Tokenize(text)
	fmt.Println(len(ids), "tokens:", ids)
	fmt.Println("round trip ok:", m.Decode(ids) == text)
	fmt.Println(strings.Join(m.Pieces(text), "|"))

	// how often each piece occurs, and each token length
	fmt.Println(colash.Histogram(m.Pieces(text)).Top(8))
	lengths := map[int]int{}
	for _, p := range m.Pieces(text) {
		lengths[len(strings.TrimSpace(p))]++
	}
	fmt.Println(colash.Table(lengths, "chars", "pieces"))

	// the model's surprise at each token: -log p(token | text before it)
	rows := m.Logits(text)
	var nll []float64
	for i := 0; i+1 < len(ids); i++ {
		p := colash.Softmax(rows[i])[ids[i+1]]
		nll = append(nll, -math.Log(p))
	}
	fmt.Printf("mean surprise %.2f nats over %d tokens; worst %.2f\n", colash.SumF(nll...)/float64(len(nll)), len(nll), colash.MaxF(nll...))
	fmt.Println(colash.Histogram(nll))
}
