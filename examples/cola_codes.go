//go:build ignore

// Read the latent action codes behind a sentence with CoLA's inverse dynamics model (IDM).
//
//	colash run examples/cola_codes.go [COLA_CHECKPOINT]
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
