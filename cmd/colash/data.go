package main

import (
	"fmt"
	"os"

	"colash/engine/job"
	"colash/engine/tasks"
	"colash/engine/testbed"
)

func init() {
	register("data", "write the testbed's data: a training corpus of worked solutions, or problems to evaluate on", runData).
		asGroup().
		withExample("colash data testbed --out train.jsonl --seed 1",
			"colash data problems --task countdown --level cd4 --n 200 --seed 7 --out cd4.jsonl")
	register("data testbed", "the pretraining corpus: countdown search traces, step-by-step arithmetic, household expert episodes", nil).
		withUsage("colash data testbed --out FILE.jsonl [--seed S] [--cd3 N --cd4 N --arith N --household N --household-detours N --household-invented N --household-spelled N] [--arith-format rewrite|digits]").
		withDoc("Countdown search traces (cd3, cd4), step-by-step arithmetic and household expert episodes\n" +
			"(seen split; with detours, mistakes the expert recovers from; on invented names, of syllables or\n" +
			"of any spelling), shuffled,\n" +
			"one {\"text\": ...} line each. --arith-format digits works each arithmetic operation digit by\n" +
			"digit (columns with carries and borrows, products by partial products) before its rewrite line.").
		withExample("colash data testbed --out train.jsonl --seed 1")
	register("data problems", "generated problems, one JSON line each: the --data files of colash eval countdown|arith", nil).
		withUsage("colash data problems --task countdown|arith --n N --out FILE.jsonl [--level cd3|cd4] [--seed S]").
		withDoc("One JSON line per problem ({\"nums\": [...], \"target\": T} or {\"expr\": \"...\"}).").
		withExample("colash data problems --task countdown --level cd4 --n 200 --seed 7 --out cd4.jsonl")
}

func runData(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("which subcommand? (colash data --help)")
	}
	fs := newFlags("data " + args[0])
	out := fs.String("out", "", "output JSONL file (required)")
	seed := fs.Uint64("seed", 1, "generator seed")
	switch args[0] {
	case "testbed":
		mix := testbed.DefaultMix
		job.Flags(fs, &mix)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return fmt.Errorf("--out is required (colash data -h)")
		}
		docs, err := testbed.Corpus(mix, *seed)
		if err != nil {
			return err
		}
		if err := testbed.WriteJSONL(*out, docs); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s: %d documents\n", *out, len(docs))
		return nil
	case "problems":
		task := fs.String("task", "", "countdown or arith (required)")
		level := fs.String("level", "", "countdown level: cd3 or cd4")
		n := fs.Int("n", 100, "problems")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || *task == "" {
			return fmt.Errorf("--task and --out are required (colash data -h)")
		}
		items, err := tasks.Load(*task, *level, *n, *seed)
		if err != nil {
			return err
		}
		if err := tasks.WriteItems(*out, items); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s: %d problems\n", *out, len(items))
		return nil
	}
	return fmt.Errorf("unknown subcommand %q (colash data --help)", args[0])
}
