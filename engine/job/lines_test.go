package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A prompts file holds plain lines and JSON strings, for prompts that end in a newline as the
// testbed's do; a broken JSON string is an error naming the file and line.
func TestReadPromptsTakesJSONStrings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.txt")
	os.WriteFile(path, []byte("Once upon a time\n\n\"countdown 36 9 28 > 24\\n\"\n  \"task: x.\\n> \"  \n"), 0o644)
	got, err := ReadLines(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Once upon a time", "countdown 36 9 28 > 24\n", "task: x.\n> "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("prompts %q, want %q", got, want)
	}
	os.WriteFile(path, []byte("fine\n\"unterminated\n"), 0o644)
	if _, err := ReadLines(path); err == nil || !strings.Contains(err.Error(), "p.txt:2") {
		t.Fatalf("a broken JSON string: %v, want an error at p.txt:2", err)
	}
}
