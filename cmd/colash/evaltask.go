package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"colash/engine/job"
	"colash/engine/search"
	"colash/engine/taskeval"
	"colash/model/checkpoint"
)

func init() {
	for _, t := range []struct{ name, summary, data, example string }{
		{"countdown", "the testbed's countdown problems (cd3, cd4), checked by the exact verifier", " [--level cd3|cd4]",
			"colash eval countdown --model models/testbed --level cd4 --n 200 --seed 7 --summary cd4.json"},
		{"arith", "the testbed's integer expressions, evaluated step by step", "",
			"colash eval arith --model models/testbed --data arith.jsonl --out answers.jsonl"},
		{"household", "episodes of the household text environment (seen or unseen split)", " [--split seen|unseen] [--admissible]",
			"colash eval household --model models/testbed --split unseen --n 100"},
	} {
		register("eval "+t.name, t.summary, func(args []string) error { return runEvalTask(t.name, args) }).
			withUsage("colash eval " + t.name + " --model M (--data FILE.jsonl | --n N --seed S)" + t.data + " [--out FILE.jsonl] [--summary FILE.json]").
			withDoc("Greedy completions (a CoLA samples codes as --latent-temperature says), each checked by the task's\n" +
				"verifier; prints the accuracy with its Wilson 95% interval. --out keeps every problem's fields\n" +
				"with completion, answer and correct; --summary writes n, accuracy, ci_low, ci_high and\n" +
				"forward_tokens_per_problem. Problems: --data (colash data problems), or --n generated from --seed.").
			withExample(t.example)
	}
	for _, c := range []string{"eval countdown", "eval arith"} {
		commands[c].usage = append(commands[c].usage, "colash "+c+" --search greedy|best-of-n|mcts|mcts-q --model cola --budget TOKENS [--qnet DIR] [--n N] [--out results.json] [--summary FILE.json] [colash search's flags]")
		commands[c].doc += "\n\nWith --search METHOD the held-out problems (seed 2) are solved by search over latent codes,\n" +
			"scored by the task's verifier (it needs only the prompt: no oracle); the flags are colash search's.\n" +
			"Answers are capped as colash eval caps completions (--answer-tokens: countdown 400, arith 360).\n" +
			"--out writes colash search's results.json; --summary the summary above, its forward tokens\n" +
			"those of the search (the budget that 2x, 4x and 8x greedy's compute are multiples of)."
		commands[c].extra = searchFlagsHelp(c[len("eval "):], "the task is the held-out problems, --level picks countdown's")
	}
}

// runTaskSearch evaluates a task's held-out problems by search: colash search on task cd3-test,
// cd4-test or arith-test (engine/rl's testbed tasks, the problems colash eval draws with seed 2).
// --summary writes what colash eval's does, from the search's results.
func runTaskSearch(task, method string, args []string) error {
	summary, args, _ := cutFlag(args, "summary")
	a, err := taskSearchArgs(task, method, args)
	if err != nil {
		return err
	}
	all, err := searchCommand(a)
	if err != nil || summary == "" {
		return err
	}
	return taskeval.WriteSummary(summary, searchSummary(all[0]))
}

// searchSummary is eval's summary of one method's search results.
func searchSummary(r *search.Results) taskeval.Summary {
	s := taskeval.Summarize(r.Successes, r.N, 0)
	s.ForwardTokensPerProblem = r.ForwardPerProblem
	return s
}

// taskSearchArgs are the colash search arguments of eval TASK --search METHOD ARGS.
func taskSearchArgs(task, method string, args []string) ([]string, error) {
	if task == "household" {
		return nil, fmt.Errorf("eval household --search: search runs single-turn tasks (countdown, arith)")
	}
	level, n := "cd4", "100"
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "--level" || a == "--n" || a == "--seed") && i+1 < len(args):
			v := args[i+1]
			i++
			switch a {
			case "--level":
				level = v
			case "--n":
				n = v
			case "--seed":
				if v != "2" {
					return nil, fmt.Errorf("eval %s --search: search runs on the held-out problems of seed 2 (no --seed %s)", task, v)
				}
			}
		default:
			rest = append(rest, a)
		}
	}
	name := level + "-test"
	if task == "arith" {
		name = "arith-test"
	} else if level != "cd3" && level != "cd4" {
		return nil, fmt.Errorf("eval countdown: level %q: want cd3 or cd4", level)
	}
	// Answers as long as colash eval's completions, which keeps them within the testbed's context;
	// a later --answer-tokens in rest wins.
	answer := strconv.Itoa(taskeval.DefaultJob(task).CompletionTokens())
	return append([]string{"--task", name, "--methods", method, "--n", n, "--answer-tokens", answer}, rest...), nil
}

func runEvalTask(task string, args []string) error {
	if method, rest, ok := searchFlag(args); ok && !wantsHelp(rest) {
		return runTaskSearch(task, method, rest)
	}
	j := taskeval.DefaultJob(task)
	fs := newFlags("eval " + task)
	var mf modelFlags
	mf.register(fs)
	job.Flags(fs, &j)
	out := fs.String("out", "", "JSONL of every problem with its completion, answer and correct")
	summary := fs.String("summary", "", "JSON summary: n, accuracy, ci_low, ci_high, forward_tokens_per_problem")
	if task != "household" {
		searchHelpFlag(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := j.Validate(); err != nil {
		return fmt.Errorf("eval %s: %w", task, err)
	}
	var res []taskeval.Result
	var s taskeval.Summary
	err := mf.with(func(ctx context.Context, m *checkpoint.Model) (err error) {
		res, s, err = j.Run(ctx, m, os.Stderr)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s %s: %s\n", task, j.Level+j.Split, s)
	if *out != "" {
		if err := taskeval.WriteResults(*out, res); err != nil {
			return err
		}
	}
	if *summary != "" {
		return taskeval.WriteSummary(*summary, s)
	}
	return nil
}
