package models

import (
	"os"
	"path/filepath"
	"testing"
)

// A shipped name is the shipped model unless a model of that name is here: a folder of that name
// without config.json (recipes/testbed, a folder of recipes) does not hide it.
func TestResolvePrefersALocalModelOnly(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir(Testbed, 0o755); err != nil {
		t.Fatal(err)
	}
	shipped, err := Path(Testbed)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Resolve(Testbed); err != nil || got != shipped {
		t.Fatalf("a folder of recipes named %s: resolved to %q (%v), want the shipped %q", Testbed, got, err, shipped)
	}
	if err := os.WriteFile(filepath.Join(Testbed, "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Resolve(Testbed); err != nil || got != Testbed {
		t.Fatalf("a model folder named %s: resolved to %q (%v)", Testbed, got, err)
	}
}

// What is not a shipped name is returned as it is, "." included.
func TestResolveLeavesOtherNamesAlone(t *testing.T) {
	for _, name := range []string{".", "some/folder", "not-a-model"} {
		if got, err := Resolve(name); err != nil || got != name {
			t.Errorf("Resolve(%q) = %q, %v", name, got, err)
		}
	}
}
