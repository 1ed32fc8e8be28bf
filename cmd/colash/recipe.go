package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"colash/recipes"
)

func init() {
	register("recipe", "run or check TOML recipes (recipes/): stages with progress, resumable state, results.json", runRecipe)
}

const recipeUsage = `usage: colash recipe run FILE.toml [--out DIR]   (also: colash recipe FILE.toml)
       colash recipe check FILE.toml...

A recipe is a list of stages (sample, train, report, eval) whose results go to OUT/<stage>;
running it again after an interruption skips the completed stages and resumes the one it was in.
`

func runRecipe(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(os.Stderr, recipeUsage)
		return nil
	}
	switch args[0] {
	case "check":
		for _, f := range args[1:] {
			if _, err := recipes.Load(f); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: ok\n", f)
		}
		return nil
	case "run":
		args = args[1:]
	}
	fs := flag.NewFlagSet("recipe run", flag.ContinueOnError)
	out := fs.String("out", "", "results folder (default: the recipe's out, or results/NAME beside it)")
	fs.Usage = func() { fmt.Fprint(os.Stderr, recipeUsage); fs.PrintDefaults() }
	if len(args) == 0 {
		return fmt.Errorf("%s", recipeUsage)
	}
	file := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	r, err := recipes.Load(file)
	if err != nil {
		return err
	}
	if *out != "" {
		r.SetOut(*out)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := recipes.Run(ctx, r, os.Stderr)
	if err != nil {
		return fmt.Errorf("%s (run it again to continue; state is in %s)", err, r.OutDir())
	}
	for _, s := range res.Stages {
		if m, ok := s.Metrics.(fmt.Stringer); ok {
			fmt.Println(m)
		}
	}
	fmt.Fprintf(os.Stderr, "results: %s\n", r.OutDir())
	return nil
}
