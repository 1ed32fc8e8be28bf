package models

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"colash/internal/testenv"
)

// TestShippedTokenizerIsTheReference: the shipped tokenizer.model is byte for byte the reference
// copy in ../shared, and a written folder holds it with its licence and notice.
func TestShippedTokenizerIsTheReference(t *testing.T) {
	dir := t.TempDir()
	if err := WriteLlama3Tokenizer(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tokenizer.model", "LICENSE.llama3", "NOTICE"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(testenv.Shared(t, "models/llama3-tokenizer/tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("shipped tokenizer.model (%d bytes) differs from ../shared's (%d bytes)", len(got), len(want))
	}
}
