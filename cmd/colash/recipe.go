package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"colash/recipes"
)

func init() {
	register("recipe", "run or check TOML recipes (recipes/): stages with progress, resumable state, results.json", runRecipe)
}

const recipeUsage = `usage: colash recipe run FILE.toml [--out DIR] [--smoke] [--set key=value ...]   (also: colash recipe FILE.toml)
       colash recipe check FILE.toml...

A recipe is a list of stages (sample, train, rl, report, eval) whose results go to OUT/<stage>;
running it again after an interruption skips the completed stages and resumes the one it was in.
OUT gets config.toml (the recipe as run), results.json, plots/*.png and report.md.
--set STAGE.KEY=VALUE changes a stage's setting (model.KEY, name, out: the recipe's); --smoke
shrinks every stage to seconds of work (what CI runs). docs/recipes.md lists every key.
`

// setFlags collects repeated --set flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func runRecipe(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(os.Stderr, recipeUsage)
		return nil
	}
	switch args[0] {
	case "check":
		var bad []string
		for _, f := range args[1:] {
			if _, err := recipes.Load(f); err != nil {
				fmt.Fprintln(os.Stderr, err)
				bad = append(bad, f)
				continue
			}
			fmt.Fprintf(os.Stderr, "%s: ok\n", f)
		}
		if len(bad) > 0 {
			return fmt.Errorf("%d of %d recipes have errors: %s", len(bad), len(args)-1, strings.Join(bad, ", "))
		}
		return nil
	case "run":
		args = args[1:]
	}
	fs := flag.NewFlagSet("recipe run", flag.ContinueOnError)
	out := fs.String("out", "", "results folder (default: the recipe's out, or results/NAME beside it)")
	smoke := fs.Bool("smoke", false, "shrink every stage to seconds of work (a check of the pipeline, not the experiment)")
	var sets setFlags
	fs.Var(&sets, "set", "override a setting: STAGE.KEY=VALUE, model.KEY=VALUE, name=..., out=... (repeatable)")
	fs.Usage = func() { fmt.Fprint(os.Stderr, recipeUsage); fs.PrintDefaults() }
	if len(args) == 0 {
		return fmt.Errorf("%s", recipeUsage)
	}
	file := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	r, err := recipes.LoadWith(file, sets)
	if err != nil {
		return err
	}
	if *out != "" {
		r.SetOut(*out)
	}
	if *smoke {
		r.Smoke()
	}
	r.SetCommand("colash recipe run " + strings.Join(args, " "))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := recipes.Run(ctx, r, os.Stderr); err != nil {
		return fmt.Errorf("%s (run the same command again to continue; state is in %s)", err, r.OutDir())
	}
	fmt.Fprintf(os.Stderr, "results: %s (results.json, report.md, plots/)\n", r.OutDir())
	return nil
}
