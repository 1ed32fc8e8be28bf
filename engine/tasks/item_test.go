package tasks

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	cd, err := Load("countdown", "cd3", 20, 5)
	ps, _ := Generate("cd3", 20, 5)
	if err != nil || len(cd) != 20 {
		t.Fatalf("Load countdown: %d items, %v", len(cd), err)
	}
	ar, err := Load("arith", "", 20, 5)
	if err != nil || len(ar) != 20 || ar[0].Prompt() != GenerateArith(1, 5)[0].Prompt() {
		t.Fatalf("Load arith: %v", err)
	}
	for i, it := range cd {
		if it.Prompt() != Prompt(ps[i]) {
			t.Errorf("item %d: prompt %q, want %q", i, it.Prompt(), Prompt(ps[i]))
		}
	}
	for _, it := range append(cd, ar...) {
		if Reward(it, it.Solution()) != 1 {
			t.Errorf("%q: its solution earns no reward", it.Prompt())
		}
		if Reward(it, "Answer: 0*0") != 0 {
			t.Errorf("%q: a wrong answer earns a reward", it.Prompt())
		}
		if _, err := json.Marshal(it.Fields()); err != nil {
			t.Error(err)
		}
	}
	for _, tc := range []struct {
		task, level string
		n           int
		want        string
	}{
		{"sudoku", "", 3, `unknown task "sudoku" (valid: countdown, arith)`},
		{"countdown", "cd9", 3, `unknown countdown level "cd9" (valid: cd3, cd4)`},
		{"countdown", "", 3, `unknown countdown level "" (valid: cd3, cd4)`},
		{"arith", "cd3", 3, `task arith has no levels (got level "cd3")`},
		{"arith", "", -1, "negative"},
		{"countdown", "cd4", -1, "negative"},
	} {
		_, err := Load(tc.task, tc.level, tc.n, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q, %q, %d): %v, want %q", tc.task, tc.level, tc.n, err, tc.want)
		}
	}
}

func TestReadItems(t *testing.T) {
	dir := t.TempDir()
	cdPath, arPath := filepath.Join(dir, "cd.jsonl"), filepath.Join(dir, "ar.jsonl")
	ps, _ := Generate("cd4", 10, 2)
	if err := WriteCountdown(cdPath, ps); err != nil {
		t.Fatal(err)
	}
	if err := WriteArith(arPath, GenerateArith(10, 2)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ task, path string }{{"countdown", cdPath}, {"arith", arPath}} {
		its, err := ReadItems(tc.task, tc.path)
		if err != nil || len(its) != 10 {
			t.Fatalf("ReadItems(%s): %d, %v", tc.task, len(its), err)
		}
		for _, it := range its {
			if ok, _ := it.Verify(it.Solution()); !ok {
				t.Errorf("%q: solution does not verify", it.Prompt())
			}
		}
	}
	if its, err := ReadItems("arith", cdPath); err == nil || its != nil {
		t.Errorf("countdown file read as arith: %v", err)
	}
	if _, err := ReadItems("chess", cdPath); err == nil || !strings.Contains(err.Error(), "unknown task") {
		t.Errorf("unknown task: %v", err)
	}
}

func TestWriteItemsRoundTrip(t *testing.T) {
	for _, c := range []struct{ task, level string }{{TaskCountdown, "cd4"}, {TaskArith, ""}} {
		items, err := Load(c.task, c.level, 20, 3)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "p.jsonl")
		if err := WriteItems(path, items); err != nil {
			t.Fatal(err)
		}
		back, err := ReadItems(c.task, path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range items {
			if items[i].Prompt() != back[i].Prompt() {
				t.Fatalf("%s %d: %q read back as %q", c.task, i, items[i].Prompt(), back[i].Prompt())
			}
		}
	}
}
