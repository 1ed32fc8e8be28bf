package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"colash/engine/job"
	"colash/model/checkpoint"
	"colash/recipes"
)

func init() {
	register("eval", "evaluate a model: math500, MATH or GSM8K files (accuracy, pass@k, maj@k), math500 by search, the testbed's tasks", runEval).
		asGroup().
		withUsage("colash eval SET [--model M] [--n N] [--samples K] [--out FILE.jsonl] [flags]",
			"colash eval math500 --search greedy|best-of-n|mcts|mcts-q [--qnet DIR] [--reward-model DIR | --oracle] [flags]").
		withExample("colash eval math500 --model cola --n 50 --out math500.jsonl",
			"colash eval math500 --search mcts-q --model cola --qnet DIR --reward-model DIR --n 20 --budget 6000")
	set := func(name, summary, data string) {
		c := register("eval "+name, summary, nil).
			withUsage("colash eval " + name + data + " [--model M] [--n N] [--samples K] [--out FILE.jsonl] [flags]").
			withDoc("Accuracy by subject and level, pass@k and maj@k over --samples completions per problem,\n" +
				"graded by PRM800K's grader (--grading strict: docs/grading.md). With --out the run resumes.").
			withExample("colash eval " + name + data + " --model cola --n 20 --samples 4 --out " + name + ".jsonl")
		if name == "math500" {
			c.usage = append(c.usage, "colash eval math500 --search greedy|best-of-n|mcts|mcts-q [--qnet DIR] [--reward-model DIR | --oracle] [flags]")
			c.doc += "\n\nWith --search METHOD the problems are solved by search over latent codes (docs/search.md)\n" +
				"and the flags are colash search's, listed below."
			c.example = append(c.example, "colash eval math500 --search mcts-q --model cola --qnet DIR --reward-model DIR --n 20 --budget 6000")
			c.extra = searchFlagsHelp("math500", "--task is math500")
		}
	}
	set("math500", "the MATH-500 test problems shipped inside colash", "")
	set("math", "a JSONL file in the MATH schema", " --data FILE")
	set("gsm8k", "a JSONL file in GSM8K's schema (question, answer)", " --data FILE")
}

func runEval(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("which set? (colash eval --help)")
	}
	if method, rest, ok := searchFlag(args[1:]); ok && !wantsHelp(rest) {
		if args[0] != "math500" {
			return fmt.Errorf("eval %s --search: search evaluates math500 (colash search --task for the others)", args[0])
		}
		return runSearch(append([]string{"--task", "math500", "--methods", method, "--n", "500"}, rest...))
	}
	e := recipes.DefaultEval()
	e.Set = args[0]
	fs := newFlags("eval " + e.Set)
	var mf modelFlags
	mf.register(fs)
	job.Flags(fs, &e)
	out := fs.String("out", "", "JSONL of every problem; an existing file is resumed")
	if e.Set == "math500" {
		searchHelpFlag(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return mf.with(func(ctx context.Context, m *checkpoint.Model) error {
		rep, err := recipes.RunEval(ctx, m, e, *out, os.Stderr)
		if rep != nil {
			fmt.Println(rep)
		}
		return err
	})
}

// searchFlag finds --search METHOD (or --search=METHOD) among args and returns the others.
func searchFlag(args []string) (method string, rest []string, ok bool) {
	return cutFlag(args, "search")
}

// cutFlag finds --name VALUE (or --name=VALUE) among args and returns the others.
func cutFlag(args []string, name string) (value string, rest []string, ok bool) {
	for i, a := range args {
		if v, found := strings.CutPrefix(a, "--"+name+"="); found {
			return v, append(slices.Clone(args[:i]), args[i+1:]...), true
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], append(slices.Clone(args[:i]), args[i+2:]...), true
		}
	}
	return "", args, false
}

// searchHelpFlag lists --search among a command's flags; searchFlag takes it out of the
// arguments before they are parsed.
func searchHelpFlag(fs *flag.FlagSet) {
	fs.String("search", "", "solve by search over latent codes instead: greedy, best-of-n, mcts or mcts-q (flags below)")
}

// searchFlagsHelp prints, under a command's own flags, the colash search flags its --search
// takes (the task and methods are fixed by the command and --search).
func searchFlagsHelp(set, fixed string) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "\nFlags with --search (colash search's; %s):\n", fixed)
		all, _ := searchFlagSet(new(modelFlags), new(searchArgs), nil)
		fs := flag.NewFlagSet("eval "+set+" --search", flag.ContinueOnError)
		all.VisitAll(func(f *flag.Flag) {
			if f.Name != "task" && f.Name != "methods" && f.Name != "words" && fs.Lookup(f.Name) == nil {
				fs.Var(f.Value, f.Name, f.Usage)
			}
		})
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
