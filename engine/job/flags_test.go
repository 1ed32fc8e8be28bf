package job

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type mode string

type inner struct {
	Steps int     `toml:"steps" help:"updates"`
	LR    float64 `toml:"lr" help:"learning rate"`
}

type sample struct {
	inner
	Mode    mode     `toml:"mode" help:"a named string"`
	MaxLen  int      `toml:"max_len" help:"tokens"`
	Whiten  bool     `toml:"whiten" help:"a bool that defaults to true"`
	Seed    uint64   `toml:"seed"`
	Words   []string `toml:"words" help:"comma-separated"`
	Prompts []string `toml:"prompts" flag:"lines" help:"a file of lines"`
	Hidden  int      `toml:"hidden" flag:"-"`
	skipped int
}

// Every keyed field is a flag named after its key, defaults are the struct's values, embedded
// structs are inlined, and parsing writes into the struct.
func TestFlagsFollowKeys(t *testing.T) {
	s := &sample{inner: inner{Steps: 5, LR: 0.1}, Mode: "a", MaxLen: 16, Whiten: true}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Flags(fs, s)
	want := []string{"steps", "lr", "mode", "max_len", "whiten", "seed", "words", "prompts", "hidden"}
	if got := Keys(s); !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	for _, k := range FlagKeys(s) {
		if fs.Lookup(FlagName(k)) == nil {
			t.Errorf("key %s has no flag --%s", k, FlagName(k))
		}
	}
	if fs.Lookup("hidden") != nil || fs.Lookup("max_len") != nil {
		t.Fatal("a flag:\"-\" field or an underscore name became a flag")
	}
	if d := fs.Lookup("max-len").DefValue; d != "16" {
		t.Fatalf("max-len default %q, want the struct's 16", d)
	}
	path := filepath.Join(t.TempDir(), "p.txt")
	os.WriteFile(path, []byte("one, two\n\"three\\n\"\n"), 0o644)
	err := fs.Parse([]string{"--steps", "7", "--lr", "2e-3", "--mode", "b", "--max-len", "9", "--whiten=false",
		"--seed", "3", "--words", "cat,dog", "--prompts", path})
	if err != nil {
		t.Fatal(err)
	}
	w := sample{inner: inner{Steps: 7, LR: 2e-3}, Mode: "b", MaxLen: 9, Seed: 3, Words: []string{"cat", "dog"},
		Prompts: []string{"one, two", "three\n"}}
	if s.Steps != w.Steps || s.LR != w.LR || s.Mode != w.Mode || s.MaxLen != w.MaxLen || s.Whiten || s.Seed != w.Seed ||
		!slices.Equal(s.Words, w.Words) || !slices.Equal(s.Prompts, w.Prompts) {
		t.Fatalf("parsed %+v, want %+v", *s, w)
	}
	if err := fs.Parse([]string{"--steps", "x"}); err == nil {
		t.Fatal("--steps x parsed")
	}
}

// References are the ref-tagged fields, embedded structs' included, as pointers into the struct.
func TestReferences(t *testing.T) {
	type files struct {
		Data string `toml:"data" ref:"data"`
	}
	var v struct {
		files
		Model string `toml:"reward_model" ref:"reward-model"`
		Name  string `toml:"name"`
	}
	refs := References(&v)
	if len(refs) != 2 || refs[0].Key != "data" || refs[0].What != DataRef || refs[1].Key != "reward_model" || refs[1].What != RewardModelRef {
		t.Fatalf("references %+v", refs)
	}
	*refs[0].P = "x.jsonl"
	if v.Data != "x.jsonl" {
		t.Errorf("a reference's P does not point into the struct")
	}
}
