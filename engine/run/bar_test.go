package run

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bar redraws ten times a second on a terminal only: into a file or a buffer, where every
// redraw stays, it redraws every redrawEvery, and still ends on its last count.
func TestBarRedrawsRarelyIntoFiles(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for name, w := range map[string]io.Writer{"file": f, "buffer": &buf} {
		if got := throttle(w); got != redrawEvery {
			t.Errorf("%s: redraws every %v, want %v", name, got, redrawEvery)
		}
	}
	b := NewBar(&buf, "steps", 1000)
	for range 1000 {
		b.Add(1)
	}
	if n := strings.Count(buf.String(), "/1000"); n > 3 {
		t.Errorf("%d redraws of a bar that ran for less than %v:\n%q", n, redrawEvery, buf.String())
	}
	if !strings.Contains(buf.String(), "(1000/1000") {
		t.Errorf("the bar does not end on its last count:\n%q", buf.String())
	}
}
