package dsl

import (
	"context"
	"slices"
	"strings"
	"testing"

	colash "colash/stdlib"
)

// Hook point names complete inside a string once a model is loaded, and :doc describes them;
// a script reads activations, patches and steers through the shell.
func TestHookNamesInTheShell(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	s, out, _ := newTestShell(t)
	t.Cleanup(func() { // later tests expect a session with no model loaded
		for _, m := range colash.Models() {
			m.Free()
		}
	})
	ctx := context.Background()
	for _, in := range []string{
		`m := colash.Load("")`,
		`c := m.RunWithCache("Lily saw a dog", "blocks.4.hook_resid_post")`,
		`len(c.Get("blocks.4.hook_resid_post")[0])`,
		`undo := m.AddHook("blocks.0.hook_resid_pre", func(pos int, x []float32) []float32 { return nil })`,
		`undo()`,
	} {
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	if !strings.Contains(out.String(), "64") {
		t.Errorf("a residual row is not 64 wide: %q", out.String())
	}
	line := `m.RunWithCache("x", "blocks.3.attn.hook_pa`
	got, n := s.Complete(line, len(line))
	if !slices.Equal(got, []string{"blocks.3.attn.hook_pattern"}) || n != len("blocks.3.attn.hook_pa") {
		t.Errorf("Complete(%q) = %q, %d", line, got, n)
	}
	if got, _ := s.Complete(":doc blocks.1.ln2.hook_n", len(":doc blocks.1.ln2.hook_n")); !slices.Contains(got, "blocks.1.ln2.hook_normalized") {
		t.Errorf(":doc completion: %q", got)
	}
	out.Reset()
	if err := s.Exec(ctx, ":doc blocks.1.attn.hook_z"); err != nil || !strings.Contains(out.String(), "before o_proj") {
		t.Errorf(":doc of a hook point: %v %q", err, out.String())
	}
}
