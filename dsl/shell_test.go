package dsl

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch"
)

func newTestShell(t *testing.T) (*Shell, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	s, err := NewShell(Config{Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	return s, &out, &errb
}

func TestNeedMore(t *testing.T) {
	for _, c := range []struct {
		src  string
		more bool
	}{
		{"x := 1", false},
		{"func f() {", true},
		{"func f() {\n return 1\n}", false},
		{"x := []int{\n1,\n2,", true},
		{"fmt.Println(\"(\")", false},
		{"fmt.Println(\"{\"", true},
		{"s := `{`", false},
		{"s := `line one\n", true},
		{"s := '{'", false},
		{"x := 1 // {", false},
		{"x := 1 /* {", true},
		{"x := 1 /* { */", false},
		{"s := \"\\\"{\"", false},
		{"m := map[string]int{\"}\": 1,", true},
		{"}", false},
	} {
		if got := NeedMore(c.src); got != c.more {
			t.Errorf("NeedMore(%q) = %v, want %v", c.src, got, c.more)
		}
	}
}

func TestDefinedNames(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"x := 1", []string{"x"}},
		{"a, b := 1, 2", []string{"a", "b"}},
		{"var y = 3", []string{"y"}},
		{"func f() { z := 1 }", []string{"f"}},
		{"type T struct{}", []string{"T"}},
		{"fmt.Println(x)", nil},
		{"x = 2", nil},
	} {
		if got := definedNames(c.src); !slices.Equal(got, c.want) {
			t.Errorf("definedNames(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestMultiLineSession(t *testing.T) {
	s, out, errb := newTestShell(t)
	in := "x := []int{\n  1,\n  2, // }\n  3,\n}\nlen(x)\nfunc double(v int) int {\n\treturn 2 * v\n}\ndouble(len(x))\n"
	if err := s.RunLines(context.Background(), strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if errb.Len() > 0 {
		t.Fatalf("stderr: %s", errb)
	}
	if got := out.String(); got != "3\n6\n" {
		t.Fatalf("stdout %q, want 3 and 6", got)
	}
	if n := len(s.Inputs()); n != 4 {
		t.Fatalf("%d inputs recorded, want 4: %q", n, s.Inputs())
	}
}

func TestPrinting(t *testing.T) {
	s, out, _ := newTestShell(t)
	for _, c := range []struct{ in, want string }{
		{`fmt.Println("hi")`, "hi\n"}, // no "3 <nil>" after it
		{`s := "a"`, ""},
		{`s + "b"`, "\"ab\"\n"},
		{`strings.Repeat("-", 3)`, "\"---\"\n"},
		{`colash.SortInts([]int{3, 1, 2})`, "[1 2 3]\n"},
		{`func hello() { fmt.Println("hello") }`, ""},
		{`hello()`, "hello\n"},
		{`nil`, "nil\n"},
		{`fmt.Errorf("bad %d", 1)`, "bad 1\n"},
	} {
		out.Reset()
		if err := s.Exec(context.Background(), c.in); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if out.String() != c.want {
			t.Errorf("%s printed %q, want %q", c.in, out.String(), c.want)
		}
	}
}

func TestErrorRecovery(t *testing.T) {
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	s.Exec(ctx, "x := 41")
	for _, bad := range []string{
		`panic("boom")`,
		"var mp map[string]int\nmp[\"a\"] = 1",
		"undefinedName + 1",
		"x := ",
		`colash.Load("/no/such/model")`,
		":nosuchcommand",
	} {
		errb.Reset()
		if err := s.Exec(ctx, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
		if !strings.Contains(errb.String(), "error:") {
			t.Errorf("%q: stderr %q has no error line", bad, errb)
		}
	}
	if !strings.Contains(errb.String(), "unknown command :nosuchcommand") {
		t.Errorf("unknown command: %q", errb)
	}
	out.Reset()
	if err := s.Exec(ctx, "x + 1"); err != nil || out.String() != "42\n" {
		t.Fatalf("after errors: x + 1 = %q, %v", out, err)
	}
}

func TestErrorMessages(t *testing.T) {
	s, _, errb := newTestShell(t)
	ctx := context.Background()
	for _, c := range []struct{ in, want string }{
		{`panic("boom")`, "panic: boom"},
		{`colash.Load("/no/such/model")`, "error: load /no/such/model: "},
		{"for i := range 5 { fmt.Println(i) }", "colash.Range(n)"},
		{"n := 3\nfor i := range n { _ = i }", "for i := 0; i < n; i++"},
		{"seq := func(yield func(int) bool) { yield(1) }\nfor v := range seq { _ = v }", "range over a function"},
		{"min(1, 2)", "colash.Min"},
		{"max(1.5, 2)", "colash.MaxF"},
		{"a := []int{2, 1}\nslices.Sort(a)", "colash.SortInts"},
	} {
		errb.Reset()
		s.Exec(ctx, c.in)
		if !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: stderr %q, want it to contain %q", c.in, errb, c.want)
		}
	}
	// a Load failure is a message, not a stack or a "panic:"
	errb.Reset()
	s.Exec(ctx, `colash.Load("/no/such/model")`)
	if strings.Contains(errb.String(), "panic") || strings.Count(errb.String(), "\n") > 1 {
		t.Errorf("load failure printed as %q", errb)
	}
}

func TestSaveReplays(t *testing.T) {
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	in := "words := strings.Fields(\"b a c\")\ncolash.SortStrings(words)\ntype pair struct {\n\tK string\n\tV int\n}\nps := []pair{{\"a\", 1}, {\"b\", 2}}\nfmt.Println(words, len(ps))\nbroken(\n)\n"
	s.RunLines(ctx, strings.NewReader(in))
	if !strings.Contains(errb.String(), "undefined: broken") {
		t.Fatalf("stderr %q", errb)
	}
	want := out.String()
	file := filepath.Join(t.TempDir(), "session.go")
	if err := s.Exec(ctx, ":save "+file); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	if strings.Contains(string(b), "broken") {
		t.Fatalf("saved a failed input:\n%s", b)
	}
	// replay in a fresh session with :load, and as a script
	s2, out2, errb2 := newTestShell(t)
	if err := s2.Exec(ctx, ":load "+file); err != nil {
		t.Fatalf(":load: %v (%s)", err, errb2)
	}
	if out2.String() != want {
		t.Fatalf(":load printed %q, the session %q", out2, want)
	}
	var out3 bytes.Buffer
	in3, _ := NewInterp(Options{Stdout: &out3, Stderr: &out3, Imports: true})
	if _, err := in3.Eval(ctx, file, string(b)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out3.String(), "[a b c] 2") {
		t.Fatalf("script printed %q", out3.String())
	}
}

func TestCommands(t *testing.T) {
	s, out, _ := newTestShell(t)
	ctx := context.Background()
	s.Exec(ctx, "o := colash.Opts{N: 3}")
	for _, c := range []struct{ in, want string }{
		{":type o", "colash.Opts"},
		{":type strings.Fields", "func(string) []string"},
		{":doc Load", "func Load(path string) *Model"},
		{":doc Model.Generate", "Ctrl-C"},
		{":help", ":save FILE"},
		{":help", "range over int"},
		{":status", "none loaded"},
		{":reset", "session reset"},
	} {
		out.Reset()
		if err := s.Exec(ctx, c.in); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%s printed %q, want %q in it", c.in, out, c.want)
		}
	}
	if err := s.Exec(ctx, "o"); err == nil {
		t.Error("o survived :reset")
	}
	s.Exec(ctx, ":q")
	if !s.Done() {
		t.Error(":q did not end the session")
	}
}

func TestComplete(t *testing.T) {
	s, _, _ := newTestShell(t)
	ctx := context.Background()
	s.Exec(ctx, "opts := colash.Opts{N: 3}")
	s.Exec(ctx, "rep := strings.NewReplacer(\"a\", \"b\")")
	for _, c := range []struct {
		line string
		want string
	}{
		{"colash.Lo", "colash.Load"},
		{"x := colash.Hist", "colash.Histogram"},
		{"strings.ToUp", "strings.ToUpper"},
		{"opts.Te", "opts.Temp"},
		{"rep.Repl", "rep.Replace"},
		{"op", "opts"},
		{":sa", ":save"},
		{":doc Model.Gen", "Model.Generate"},
	} {
		got, n := s.Complete(c.line, len(c.line))
		if !slices.Contains(got, c.want) {
			t.Errorf("Complete(%q) = %q, want %q among them", c.line, got, c.want)
		}
		if n > len(c.line) || !strings.HasPrefix(c.want, c.line[len(c.line)-n:]) {
			t.Errorf("Complete(%q): word length %d does not fit %q", c.line, n, c.want)
		}
	}
}

func TestModelSession(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	for _, in := range []string{
		`m := colash.Load("")`,
		`r := m.Generate("Once upon a time", colash.Opts{N: 8})`,
		`len(r.Tokens)`,
		`m.Decode(m.Tokenize("a cat")) == "a cat"`,
		`len(m.Logits("a cat")) == len(m.Tokenize("a cat"))`,
		`m.Info().Vocab`,
	} {
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	if got := out.String(); got != "8\ntrue\ntrue\n512\n" {
		t.Fatalf("stdout %q (stderr %q)", got, errb)
	}
	out.Reset()
	s.Exec(ctx, `st := m.Generate("Once upon a time", colash.Opts{N: 8, Stream: true})`)
	s.Exec(ctx, `fmt.Println(st.Text)`)
	if lines := strings.Split(out.String(), "\n"); len(lines) < 2 || lines[0] != "Once upon a time"+lines[1] {
		t.Errorf("streamed %q", out)
	}
	got, _ := s.Complete("m.Gen", 5)
	if !slices.Contains(got, "m.Generate") {
		t.Errorf("Complete(m.Gen) = %q", got)
	}
	out.Reset()
	s.Exec(ctx, ":status")
	if !strings.Contains(out.String(), "stories260K") {
		t.Errorf(":status does not list the model: %q", out)
	}
}

func TestCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	s, out, errb := newTestShell(t)
	s.Exec(context.Background(), `m := colash.Load("")`)
	for _, src := range []string{
		"for {\n\tm.Generate(\"Once\", colash.Opts{N: 400})\n}", // in the engine
		"n := 0\nfor {\n\tn++\n}",                               // in the interpreter
	} {
		errb.Reset()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := s.Exec(ctx, src)
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("%q: err %v, want interrupted", src, err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%q: cancel took %v", src, el)
		}
		if !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("stderr %q", errb)
		}
	}
	out.Reset()
	if err := s.Exec(context.Background(), "m.Info().Layers"); err != nil || out.String() != "5\n" {
		t.Fatalf("after cancel: %q %v", out, err)
	}
}

func TestCoLASession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a CoLA model")
	}
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	for _, in := range []string{
		`c := colash.InitCoLA("", 8, 3)`,
		`c.IsCoLA()`,
		`text := "The cat sat on the mat."`,
		`len(c.Codes(text)) == len(c.Tokenize(text))`,
		`r := c.Force("Once upon a time", 5, colash.Opts{N: 6})`,
		`r.Codes`,
		`st := c.Steer("Once upon a time", []int{1, -1, 2}, colash.Opts{N: 4})`,
		`st.Codes[0] == 1 && st.Codes[2] == 2 && len(st.Codes) == len(st.Tokens)`,
		"h := c.Hook(\"Once\", func(step, code int, probs []float64) int {\n\tif step%2 == 0 {\n\t\treturn 7\n\t}\n\treturn code\n}, colash.Opts{N: 5})",
		`h.Codes[0] == 7 && h.Codes[2] == 7 && h.Codes[4] == 7`,
	} {
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	if got := out.String(); got != "true\ntrue\n[5 5 5 5 5 5]\ntrue\ntrue\n" {
		t.Fatalf("stdout %q (stderr %q)", got, errb)
	}
	errb.Reset()
	s.Exec(ctx, `c.Force("x", 99)`)
	if !strings.Contains(errb.String(), "code 99 out of range") {
		t.Errorf("stderr %q", errb)
	}
	// a plain Llama says it is not a CoLA model
	errb.Reset()
	s.Exec(ctx, `colash.Load("").Codes("a")`)
	if !strings.Contains(errb.String(), "not a CoLA model") {
		t.Errorf("stderr %q", errb)
	}
}

// TestLoadWithChoosesDeviceAndDType: the session's defaults are reported truthfully and models
// load where and how LoadWith or SetDevice say.
func TestLoadWithChoosesDeviceAndDType(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	s, out, errb := newTestShell(t)
	t.Cleanup(func() { s.Exec(context.Background(), `colash.SetDevice("cpu", "f32")`) })
	ctx := context.Background()
	for _, in := range []string{
		`colash.Device() + " " + colash.DType()`,
		`b := colash.LoadWith("", colash.LoadOpts{DType: "bf16"})`,
		`b.Info().DType`,
		`m := colash.Load("")`,
		`m.Info().DType + " " + m.Info().Device`,
		`colash.SetDevice("cpu", "f16")`,
		`colash.DType()`,
		`colash.Load("").Info().DType`,
		`m == colash.LoadWith("", colash.LoadOpts{DType: "f32"})`,
	} {
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v (stderr %q)", in, err, errb)
		}
	}
	want := "\"cpu f32\"\n\"bfloat16\"\n\"float32 cpu\"\n\"f16\"\n\"float16\"\ntrue\n"
	if got := out.String(); got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
	if !gotch.CUDA.IsAvailable() {
		err := s.Exec(ctx, `colash.LoadWith("", colash.LoadOpts{Device: "cuda"})`)
		if err == nil || !strings.Contains(errb.String()+err.Error(), "CUDA is not available") {
			t.Errorf("loading on a missing GPU: %v %q", err, errb)
		}
	}
}
