package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"colash/recipes"
)

func init() {
	register("recipe", "run or check TOML recipes (recipes/): stages with progress, resumable state, results.json", runRecipe).
		asGroup().
		withUsage("colash recipe run FILE.toml [--out DIR] [--smoke] [--set STAGE.KEY=VALUE ...]   (also: colash recipe FILE.toml)",
			"colash recipe check [--strict] FILE.toml...").
		withDoc(recipeDoc()).
		withExample("colash recipe check recipes/*.toml recipes/*/*.toml",
			"colash recipe run recipes/tiny-cola/tiny-cola.toml --smoke --out /tmp/smoke",
			"colash recipe run recipes/grpo-math-latent.toml --set rl.lr=5e-4 --out runs/grpo-latent")
	register("recipe run", "run a recipe's stages, resuming where an earlier run of it stopped", nil).
		withUsage("colash recipe run FILE.toml [--out DIR] [--smoke] [--set STAGE.KEY=VALUE ...]").
		withDoc(recipeDoc()).
		withExample("colash recipe run recipes/tiny-cola/tiny-cola.toml --smoke --out /tmp/smoke",
			"colash recipe run recipes/grpo-math-latent.toml --set rl.lr=5e-4 --set model.threads=1 --out runs/grpo-latent")
	register("recipe check", "check recipes without running them: keys, values, files, lengths against the model's context", nil).
		withUsage("colash recipe check [--strict] FILE.toml...").
		withDoc("Reports unknown keys and bad values with their line, stages that refer to no earlier stage,\n" +
			"models and data files that do not exist (errors), and stages whose prompts plus new tokens\n" +
			"pass the max_position_embeddings of the model they load (warnings; errors with --strict).").
		withExample("colash recipe check recipes/*.toml recipes/*/*.toml")
}

// recipeDoc describes recipes, with the stage kinds the runner knows.
func recipeDoc() string {
	return "A recipe is a list of stages (kinds: " + strings.Join(recipes.Kinds, ", ") + ") whose results go to\n" +
		`OUT/<stage>; running it again after an interruption skips the completed stages and resumes the
one it was in. OUT gets config.toml (the recipe as run), results.json, plots/*.png and report.md.
--set STAGE.KEY=VALUE changes a stage's setting (model.KEY, name, out: the recipe's); --smoke
shrinks every stage to seconds of work (what CI runs). docs/recipes.md lists every key.`
}

// setFlags collects repeated --set flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func runRecipe(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("which subcommand? (colash recipe --help)")
	}
	switch args[0] {
	case "check":
		return recipeCheck(args[1:])
	case "run":
		args = args[1:]
	}
	fs := newFlags("recipe run")
	out := fs.String("out", "", "results folder (default: the recipe's out, or results/NAME beside it)")
	smoke := fs.Bool("smoke", false, "shrink every stage to seconds of work (a check of the pipeline, not the experiment)")
	var sets setFlags
	fs.Var(&sets, "set", "override a setting: STAGE.KEY=VALUE, model.KEY=VALUE, name=..., out=... (repeatable)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("one recipe file, got %d (colash recipe run --help)", len(files))
	}
	file := files[0]
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
	for _, l := range r.CheckLengths() {
		fmt.Fprintf(os.Stderr, "warning: %s\n", l)
	}
	ctx, g, done, err := joinJob() // under colash launch or torchrun: one rank of the recipe's run
	if err != nil {
		return err
	}
	defer done()
	r.SetCommand(jobCommand(g.Size(), g.LocalSize(), "recipe run "+strings.Join(args, " ")))
	if _, err := recipes.RunOn(ctx, g, r, os.Stderr); err != nil {
		return fmt.Errorf("%s (run the same command again to continue; state is in %s)", err, r.OutDir())
	}
	if g.Rank() == 0 {
		fmt.Fprintf(os.Stderr, "results: %s (results.json, report.md, plots/)\n", r.OutDir())
	}
	return nil
}

// recipeCheck loads each recipe (keys, values, stage references, files) and compares its lengths
// with the context of the models it loads.
func recipeCheck(args []string) error {
	fs := newFlags("recipe check")
	strict := fs.Bool("strict", false, "a stage longer than its model's context is an error, not a warning")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no recipe to check (colash recipe check --help)")
	}
	var bad []string
	for _, f := range files {
		r, err := recipes.Load(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			bad = append(bad, f)
			continue
		}
		issues := r.CheckLengths()
		for _, l := range issues {
			kind := "warning"
			if *strict {
				kind = "error"
			}
			fmt.Fprintf(os.Stderr, "%s: %s: %s\n", f, kind, l)
		}
		switch {
		case len(issues) > 0 && *strict:
			bad = append(bad, f)
		case len(issues) > 0:
			fmt.Fprintf(os.Stderr, "%s: ok, with %d warning(s)\n", f, len(issues))
		default:
			fmt.Fprintf(os.Stderr, "%s: ok\n", f)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d recipes have errors: %s", len(bad), len(files), strings.Join(bad, ", "))
	}
	return nil
}

// parseInterleaved parses flags that may come before or after the positional arguments, and
// returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
