package main

import (
	"strings"
	"testing"
)

// patched is a file as the patch leaves it; the lines that start with + are the ones it adds, the
// others start with a space (or are empty).
const patched = ` package ts

 import "C"

 import (
+	"runtime"
 	"fmt"

 	lib "github.com/sugarme/gotch/libtch"
 )

 func (ts *Tensor) Add(other *Tensor, s *Scalar) (*Tensor, error) {
 	lib.AtgAdd(ptr, ts.ctensor, other.ctensor, s.cscalar)
+	runtime.KeepAlive(ts)
+	runtime.KeepAlive(other)
+	runtime.KeepAlive(s)
 	return newTensor(*ptr), nil
 }

 func Cat(tensors []*Tensor) {
 	var ctensors []lib.Ctensor
 	for _, t := range tensors {
 		ctensors = append(ctensors, t.ctensor)
 	}
 	lib.AtgCat(ptr, ctensors, len(ctensors))
+	runtime.KeepAlive(tensors)
 }

 func (ts *Tensor) Dim() uint64 {
+	defer runtime.KeepAlive(ts)
 	return lib.AtDim(ts.ctensor)
 }

 func Save(named []NamedTensor) {
 	for _, n := range named {
 		if x := n.Tensor; x != nil {
 			lib.AtSave(x.ctensor)
+			runtime.KeepAlive(x)
 		}
 	}
 }

 func Fresh() *Tensor {
 	return newTensor(lib.AtNewTensor())
 }
`

// sample returns the file before (added=false) or after the patch.
func sample(added bool) string {
	var b strings.Builder
	for line := range strings.Lines(patched) {
		if line[0] == '+' && !added {
			continue
		}
		if line[0] == '+' || line[0] == ' ' {
			line = line[1:]
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestKeepAliveAddsAndIsIdempotent(t *testing.T) {
	want := sample(true)
	got, st, err := keepAlive("sample.go", []byte(sample(false)))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("patched:\n%s\nwant:\n%s", got, want)
	}
	if st != (stats{funcs: 4, keeps: 6, added: 6}) {
		t.Errorf("stats %+v", st)
	}
	again, st, err := keepAlive("sample.go", got)
	if err != nil || string(again) != want || st.added != 0 || st.keeps != 6 {
		t.Errorf("second run: added %d, err %v, changed: %v", st.added, err, string(again) != want)
	}
}

func TestKeepAliveRefusesWhatItCannotKeep(t *testing.T) {
	for name, body := range map[string]string{
		"temporary": "lib.AtDim(newT().ctensor)",
		"header":    "if x := f(); lib.AtDim(x.ctensor) > 0 {}",
		"defer":     "defer lib.AtDim(ts.ctensor)",
	} {
		src := "package ts\nimport \"runtime\"\nfunc f(ts *Tensor) {\n" + body + "\n}\n"
		if _, _, err := keepAlive("x.go", []byte(src)); err == nil {
			t.Errorf("%s: no error for %q", name, body)
		}
	}
}

func TestFixIsExactAndIdempotent(t *testing.T) {
	f := once("x.go", "a := 1", "a := 2")
	if got, err := f.apply([]byte("x\na := 1\n")); err != nil || string(got) != "x\na := 2\n" {
		t.Errorf("first: %q %v", got, err)
	}
	if got, err := f.apply([]byte("x\na := 2\n")); err != nil || string(got) != "x\na := 2\n" {
		t.Errorf("again: %q %v", got, err)
	}
	for _, src := range []string{"b := 1", "a := 1; a := 1"} {
		if _, err := f.apply([]byte(src)); err == nil || !strings.Contains(err.Error(), "expected once") {
			t.Errorf("%q: %v", src, err)
		}
	}

	// A replacement that contains what it replaces, at every occurrence.
	all := everywhere("x.go", "  x = y\n", "  free(x)\n  x = y\n")
	got, err := all.apply([]byte("  x = y\n\n  x = y\n"))
	if err != nil || string(got) != "  free(x)\n  x = y\n\n  free(x)\n  x = y\n" {
		t.Errorf("everywhere: %q %v", got, err)
	}
	if again, err := all.apply(got); err != nil || string(again) != string(got) {
		t.Errorf("everywhere again: %q %v", again, err)
	}
	if _, err := all.apply([]byte("  free(x)\n  x = y\n  x = y\n")); err == nil {
		t.Error("everywhere: half-patched file accepted")
	}
}
