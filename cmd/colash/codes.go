package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"colash/engine/inspect"
	"colash/engine/job"
	"colash/engine/taskeval"
	"colash/engine/tasks"
	"colash/model/checkpoint"
	api "colash/stdlib"
	"colash/stdlib/backend"
)

func init() {
	register("codes", "what each latent code of a CoLA means: how often the policy picks it, the tokens it makes, an example", runCodes).
		withUsage("colash codes [--model cola] [--prompts FILE | --task cd3|cd4|arith --n N] [--spread] [--json]").
		withDoc("Runs the policy over the prompts (default: four story openings) and prints, for each code,\n"+
			"how often it is picked, the tokens the world model makes from it and an example: the table\n"+
			"the shell's m.CodeTable() shows. --model defaults to the shipped CoLA (cola).\n\n"+
			"--spread prints instead how far the codes move the tokens, means over the positions of the\n"+
			"sampled continuations: the policy's entropy over codes, the entropy of the next token it\n"+
			"induces (each code's probability on the world model's greedy token under it), the backbone's\n"+
			"own next-token entropy, the probability of the most probable code's token, and the distinct\n"+
			"tokens among the 10 most probable codes. --task takes the prompts from the testbed's held-out\n"+
			"problems (seed 2, the first --n) and continues them as far as the task's answers.").
		withExample("colash codes", "colash codes --model cola --prompts prompts.txt --json > codes.json",
			"colash codes --model testbed-cola --task cd4 --n 20 --samples 2 --spread")
}

// runCodes prints the script API's CodeTable, so that the shell and this command show the same.
func runCodes(args []string) error {
	fs := newFlags("codes")
	var mf modelFlags
	mf.register(fs)
	promptFile := fs.String("prompts", "", "a file with one prompt per line (default: four story openings)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	spread := fs.Bool("spread", false, "print how far the codes move the tokens instead of the table")
	task := fs.String("task", "", "prompts: the testbed's held-out problems of cd3, cd4 or arith")
	n := fs.Int("n", 20, "with --task: the first N problems")
	samples := fs.Int("samples", inspect.DefaultCodes.Samples, "continuations sampled from each prompt")
	tokens := fs.Int("tokens", 0, "tokens a continuation (0: 32, or with --task the task's answer length)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	prompts, length, err := codePrompts(*promptFile, *task, *n)
	if err != nil {
		return err
	}
	if mf.path == "" {
		mf.path = "cola"
	}
	cfg := inspect.DefaultCodes
	cfg.Samples, cfg.Tokens = *samples, cmp.Or(*tokens, length, cfg.Tokens)
	if *spread {
		return printSpread(&mf, prompts, cfg, *asJSON)
	}
	if *samples != inspect.DefaultCodes.Samples || *tokens != 0 {
		return fmt.Errorf("codes: --samples and --tokens go with --spread (the table samples its own sizes)")
	}
	m, err := api.TryLoadWith(mf.path, api.LoadOpts{Device: mf.device, DType: mf.dtype, Threads: mf.threads, Tokenizer: mf.tokenizer, NoMmap: mf.noMmap})
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := stopContext()
	defer stop()
	backend.SetContext(ctx)
	table, err := tryCodeTable(m, prompts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(table)
	}
	fmt.Println(table)
	return nil
}

// tryCodeTable turns the script API's panic (an *api.Error) into an error.
func tryCodeTable(m *api.Model, prompts []string) (t api.CodeTable, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*api.Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	return m.CodeTable(prompts...), nil
}

// codePrompts reads the prompts of `colash codes`: a file's lines, a testbed task's held-out
// problems with the length of their answers, or none (the default story openings).
func codePrompts(file, task string, n int) ([]string, int, error) {
	if task == "" {
		lines, err := job.ReadLines(file)
		return lines, 0, err
	}
	if file != "" {
		return nil, 0, fmt.Errorf("codes: give --prompts or --task, not both")
	}
	name, level := tasks.TaskCountdown, task
	if task == "arith" {
		name, level = tasks.TaskArith, ""
	} else if task != "cd3" && task != "cd4" {
		return nil, 0, fmt.Errorf("codes: unknown task %q (have cd3, cd4, arith)", task)
	}
	items, err := tasks.Load(name, level, n, 2)
	if err != nil {
		return nil, 0, err
	}
	prompts := make([]string, len(items))
	for i, it := range items {
		prompts[i] = it.Prompt()
	}
	return prompts, taskeval.Job{Task: name}.CompletionTokens(), nil
}

// printSpread measures inspect.Spread on the prompts (nil: the default ones) and prints it.
func printSpread(mf *modelFlags, prompts []string, cfg inspect.CodesConfig, asJSON bool) error {
	if len(prompts) > 0 {
		cfg.Prompts = prompts
	}
	var sp inspect.SpreadStats
	err := mf.with(func(ctx context.Context, m *checkpoint.Model) (err error) {
		sp, err = inspect.Spread(ctx, m, cfg)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(sp)
	}
	fmt.Printf("%d positions of %d continuations (%d prompts x %d, up to %d tokens)\n", sp.Positions, len(cfg.Prompts)*cfg.Samples, len(cfg.Prompts), cfg.Samples, cfg.Tokens)
	fmt.Printf("entropy (nats): codes %.3f, the tokens they induce %.3f, the backbone's own %.3f\n", sp.CodeEntropy, sp.TokenEntropy, sp.BackboneEntropy)
	fmt.Printf("the most probable code's token holds %.1f%% of the policy; the 10 most probable codes make %.2f distinct tokens\n", 100*sp.TopTokenMass, sp.DistinctTop10)
	return nil
}
