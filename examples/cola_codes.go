//go:build ignore

// Read the latent action codes behind a sentence with CoLA's inverse dynamics model (IDM).
//
//	colash run examples/cola_codes.go [COLA_CHECKPOINT]
//
// With no argument it wraps the shipped stories260K in fresh, untrained CoLA modules: the codes
// then mean nothing, but every step below works as it does on a trained checkpoint.
package main

import (
	"fmt"
	"os"

	"colash"
)

func main() {
	var m *colash.Model
	if len(os.Args) > 1 {
		m = colash.Load(os.Args[1])
	} else {
		m = colash.InitCoLA("", 16, 7)
	}
	fmt.Println(m)

	text := "The cat saw the dog. The dog saw the cat."
	codes := m.Codes(text) // codes[i] produced token i
	pieces := m.Pieces(text)
	type step struct {
		Token string
		Code  int
	}
	var steps []step
	for i := range pieces {
		steps = append(steps, step{fmt.Sprintf("%q", pieces[i]), codes[i]})
	}
	fmt.Println(colash.Table(steps))
	fmt.Printf("%d codes in use out of %d\n", len(colash.Histogram(codes).Labels), m.NumCodes())
	fmt.Println(colash.Histogram(codes))
}
