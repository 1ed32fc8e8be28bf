package dsl

import (
	"bytes"
	"os"
	"testing"

	"github.com/traefik/yaegi/extract"
)

// TestSymbolsFresh regenerates the colash symbols as `go generate` does and compares them with
// the committed file: a stale file means scripts would not see a change to colash/stdlib.
func TestSymbolsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks colash/stdlib from source")
	}
	var buf bytes.Buffer
	ext := extract.Extractor{Dest: "dsl"}
	if _, err := ext.Extract("colash/stdlib", "dsl", &buf); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("colash-stdlib.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), committed) {
		t.Fatal("dsl/colash-stdlib.go is stale: run `go generate ./dsl` and commit the result")
	}
}
