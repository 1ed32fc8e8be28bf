package dsl

import (
	"context"
	"strings"
	"testing"
)

// A script plays a text environment by hand and with a model.
func TestEnvFromScript(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model")
	}
	s, out, errb := newTestShell(t)
	ctx := context.Background()
	for _, in := range []string{
		`e := colash.NewEnv("story-word", 2)`,
		`obs := e.Reset(3)`,
		`_, r1, done1 := e.Step(" a dog")`,
		`_, r2, done2 := e.Step(" a friend")`,
		`fmt.Println(len(obs) > 0, r1, done1, r2, done2)`,
		`m := colash.Load("")`,
		`ep := m.Play(e, 3, 2, colash.Opts{N: 6})`,
		`fmt.Println(len(ep.Actions) >= 1, strings.HasPrefix(ep.Transcript, obs+ep.Actions[0]))`,
		`m.Free()`, // other tests expect no model loaded
	} {
		if err := s.Exec(ctx, in); err != nil {
			t.Fatalf("%s: %v (stderr %s)", in, err, errb)
		}
	}
	if got := out.String(); got != "true 0 false 1 true\ntrue true\n" {
		t.Errorf("stdout %q (stderr %q)", got, errb)
	}
	if err := s.Exec(ctx, `colash.NewEnv("no-such-task", 1)`); err == nil || !strings.Contains(err.Error(), "unknown task") {
		t.Errorf("unknown task: %v", err)
	}
}
