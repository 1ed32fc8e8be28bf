package main

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
)

// commandsOf are the commands a recipe stage's table matches: its kind's, with the subcommand
// some tables name (a train stage's stage, an eval stage's set, a task-eval stage's task); a corpus
// stage is two commands, the corpus's and its tokenizer's.
func commandsOf(kind string, table map[string]any) [][]string {
	if kind == "corpus" {
		return [][]string{{"data", "testbed"}, {"tokenizer", "train"}}
	}
	return [][]string{commandOf(kind, table)}
}

func commandOf(kind string, table map[string]any) []string {
	str := func(k, def string) string {
		if v, ok := table[k].(string); ok {
			return v
		}
		return def
	}
	switch kind {
	case "train":
		return []string{"train", str("stage", "stage1")}
	case "report":
		return []string{"train", "report"}
	case "eval":
		return []string{"eval", str("set", "math500")}
	case "task-eval":
		return []string{"eval", str("task", "countdown")}
	case "qnet-collect":
		return []string{"qnet", "collect"}
	case "qnet-train":
		return []string{"qnet", "train"}
	case "rm":
		return []string{"rm", "train"}
	}
	return []string{kind}
}

// subcommand is the key of a kind's table that names the subcommand rather than a flag.
var subcommand = map[string]string{"train": "stage", "eval": "set", "task-eval": "task"}

// Every key of every shipped recipe's stage tables is a flag of the matching command under the
// same name ('-' for '_'): a setting a recipe can make, the command can make too.
func TestShippedRecipeKeysAreFlags(t *testing.T) {
	files, _ := filepath.Glob("../../recipes/*.toml")
	more, _ := filepath.Glob("../../recipes/*/*.toml")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found %d shipped recipes", len(files))
	}
	missing := map[string]bool{}
	for _, f := range files {
		var r struct {
			Stages []map[string]any `toml:"stage"`
		}
		if _, err := toml.DecodeFile(f, &r); err != nil {
			t.Fatal(err)
		}
		for _, st := range r.Stages {
			kind, _ := st["kind"].(string)
			table, _ := st[kind].(map[string]any)
			flags := map[string]bool{}
			var names []string
			for _, args := range commandsOf(kind, table) {
				fl, err := flagsOf(t, args)
				if err != nil {
					t.Fatal(err)
				}
				for k := range fl {
					flags[k] = true
				}
				names = append(names, strings.Join(args, " "))
			}
			for key := range table {
				if subcommand[kind] == key {
					continue
				}
				if !flags[job.FlagName(key)] {
					missing[strings.Join(names, " / ")+" --"+job.FlagName(key)+" ("+filepath.Base(f)+")"] = true
				}
			}
		}
	}
	var list []string
	for m := range missing {
		list = append(list, m)
	}
	sort.Strings(list)
	for _, m := range list {
		t.Errorf("a recipe key with no flag: colash %s", m)
	}
}
