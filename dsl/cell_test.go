package dsl

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A cell prints the values of its earlier expressions, returns the last one's, and places an
// error at its line in the cell; the session goes on after it.
func TestCell(t *testing.T) {
	s, out, _ := newTestShell(t)
	ctx := context.Background()
	v, shown, err := s.Cell(ctx, "In [1]", "x := 2\nx + 1\nfmt.Println(\"side\")\nx * 21")
	if err != nil || !shown || FormatValue(v) != "42" {
		t.Fatalf("value %v shown %v err %v", v, shown, err)
	}
	if out.String() != "3\nside\n" {
		t.Fatalf("stdout %q", out.String())
	}
	if _, shown, err := s.Cell(ctx, "In [2]", "y := x"); err != nil || shown {
		t.Fatalf("a statement showed a value (%v) or failed: %v", shown, err)
	}
	_, _, err = s.Cell(ctx, "In [3]", "z := 1\n\nw := z + nope")
	var se *ScriptError
	if !errors.As(err, &se) || se.File != "In [3]" || se.Line != 3 || !strings.Contains(err.Error(), "undefined: nope") {
		t.Fatalf("error %v (%+v)", err, se)
	}
	_, _, err = s.Cell(ctx, "In [4]", "var a []int\n_ = 1\na[5]")
	var p *Panic
	if !errors.As(err, &p) || !errors.As(err, &se) || se.Line != 3 {
		t.Fatalf("panic %v", err)
	}
	if v, _, err := s.Cell(ctx, "In [5]", "y + 1"); err != nil || FormatValue(v) != "3" {
		t.Fatalf("after errors: %v %v", v, err)
	}
	out.Reset()
	if _, _, err := s.Cell(ctx, "In [6]", ":type y"); err != nil || out.String() != "int\n" {
		t.Fatalf(":command in a cell: %q %v", out.String(), err)
	}
}

func TestCellInterrupted(t *testing.T) {
	s, _, _ := newTestShell(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Cell(ctx, "c", "for {}"); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("cancelled cell: %v", err)
	}
}

func TestMIMEAndDoc(t *testing.T) {
	s, _, _ := newTestShell(t)
	ctx := context.Background()
	v, _, err := s.Cell(ctx, "c", `colash.HTML("<b>x</b>")`)
	if err != nil {
		t.Fatal(err)
	}
	if m := MIME(v); string(m["text/html"]) != "<b>x</b>" {
		t.Fatalf("MIME %q", m)
	}
	v, _, _ = s.Cell(ctx, "c", `colash.Table([][]string{{"a<", "b"}}, "k", "v")`)
	if m := MIME(v); !strings.Contains(string(m["text/html"]), "<td>a&lt;</td>") || !strings.Contains(string(m["text/plain"]), "a<") {
		t.Fatalf("table MIME %q", m)
	}
	v, _, err = s.Cell(ctx, "c", "type bold string\nfunc (b bold) Display() map[string][]byte { return map[string][]byte{\"text/html\": []byte(\"<b>\" + string(b) + \"</b>\")} }\ncolash.Show(bold(\"hi\"))")
	if err != nil {
		t.Fatal(err)
	}
	if m := MIME(v); string(m["text/html"]) != "<b>hi</b>" {
		t.Fatalf("a script's own Display: %q", m)
	}
	if d, err := s.Doc(ctx, "Load"); err != nil || !strings.Contains(d, "func Load") {
		t.Fatalf("doc: %q %v", d, err)
	}
}
