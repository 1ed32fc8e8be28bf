package atomic

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteDirKeepsTheOldVersionOnFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	write := func(content string, fail bool) error {
		return WriteDir(dir, func(tmp string) error {
			if err := WriteFile(filepath.Join(tmp, "state"), []byte(content)); err != nil {
				return err
			}
			if fail {
				return errors.New("disk full")
			}
			return nil
		})
	}
	if err := write("one", false); err != nil {
		t.Fatal(err)
	}
	if err := write("two", true); err == nil {
		t.Fatal("a failed fill must fail WriteDir")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "state")); string(b) != "one" {
		t.Fatalf("after a failed write: %q", b)
	}
	if err := write("three", false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "state")); string(b) != "three" {
		t.Fatalf("after a write: %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("temporary folders left behind: %v", entries)
	}
	// A crash between the two renames leaves only dir.old: Resolve finds it.
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if got, ok := Resolve(dir); !ok || got != dir+".old" {
		t.Fatalf("Resolve after a torn swap: %q %v", got, ok)
	}
	if _, ok := Resolve(filepath.Join(t.TempDir(), "none")); ok {
		t.Fatal("Resolve found a folder that does not exist")
	}
}

func TestWriteLeavesNoPartialFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return errors.New("killed")
	})
	if err == nil {
		t.Fatal("a failed fill must fail Write")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("after a failed write: %q", b)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}
