package dsl

import (
	"context"
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
