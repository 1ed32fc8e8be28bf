package dsl

import (
	"context"
	"testing"
)

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
