package dsl

import (
	"context"
	"strings"
	"testing"
)

// Statements whose last is an expression show its value, as a lone expression does (colash -e
// runs its argument as one input); calls without a value, or fmt.Println's, show nothing more.
func TestStatementsShowTheirLastValue(t *testing.T) {
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	for _, c := range []struct{ in, want string }{
		{"a := 3; a + 1", "4\n"},
		{"b := []string{\"x\"}; b[0] + \"y\"", "\"xy\"\n"},
		{"n := 2; fmt.Println(n)", "2\n"},
		{"k := 1; k++", ""},
		{"f := func(x int) int { return 2 * x }; f(21)", "42\n"},
	} {
		out.Reset()
		if err := s.Exec(ctx, c.in); err != nil {
			t.Fatalf("%s: %v (stderr %s)", c.in, err, errb)
		}
		if out.String() != c.want {
			t.Errorf("%s: stdout %q, want %q", c.in, out.String(), c.want)
		}
	}
	v, shown, err := s.Cell(ctx, "c", "x := 5; x * 2")
	if err != nil || !shown || FormatValue(v) != "10" {
		t.Errorf("a cell of statements: %v shown %v, %v", v, shown, err)
	}
}

// Scripts see the process's environment.
func TestScriptsSeeTheEnvironment(t *testing.T) {
	t.Setenv("COLASH_TEST_ENV", "seen")
	s, out, _ := newTestShell(t)
	if err := s.Exec(context.Background(), `os.Getenv("COLASH_TEST_ENV")`); err != nil {
		t.Fatal(err)
	}
	if out.String() != "\"seen\"\n" {
		t.Errorf("os.Getenv in a script: %q", out.String())
	}
}

// v := x[i] defines v when x holds a value of compiled code: a package function's or a model
// method's result (the interpreter alone fails with "constant definition loop").
func TestIndexIntoCompiledValues(t *testing.T) {
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	run := func(in string) {
		t.Helper()
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v (stderr %s)", in, err, errb)
		}
	}
	for _, in := range []string{
		`w := strings.Fields("a b c")`,
		`v := w[1]`,
		`u := strings.Fields("x y")[0] + w[2]`,
		`h := http.Header{"K": {"x", "y"}}`,
		`hk := h["K"][1]`,
		`fmt.Println(v, u, hk)`,
	} {
		run(in)
	}
	if out.String() != "b xc y\n" {
		t.Errorf("stdout %q", out.String())
	}
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	out.Reset()
	run(`m := colash.Load("")`)
	defer s.Exec(ctx, `m.Free()`) // other tests expect no model loaded
	v, shown, err := s.Cell(ctx, "c", "x := m.Tokenize(\"Once upon a time\")\nfirst := x[0]\np := m.Next(\"Once upon a\", 3)\ntop := p[0]\nl := m.Logits(\"Once\")\nat := l[0][1]\nfirst == x[0] && top.Token == p[0].Token && at == l[0][1]")
	if err != nil || !shown || FormatValue(v) != "true" {
		t.Fatalf("cell: %v shown %v, %v", v, shown, err)
	}
	out.Reset()
	run(`y := m.Tokenize("Once upon"); y0 := y[0]; y0 == x[0]`)
	if out.String() != "true\n" {
		t.Errorf("defined and indexed in one input: %q", out.String())
	}
	// Still out of reach: a byte of a string; the hint says what to write.
	err = s.Exec(ctx, `c := v[0]`)
	if err == nil || !strings.Contains(err.Error(), "hint: ") || !strings.Contains(err.Error(), "[]byte(") {
		t.Errorf("a string's byte: %v", err)
	}
	out.Reset()
	run(`c := []byte(v)[0]; c`)
	if out.String() != "98\n" {
		t.Errorf("the hint's way: %q", out.String())
	}
}
