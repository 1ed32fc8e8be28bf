package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"colash/recipes"
)

func init() {
	register("recipe", "run a TOML recipe (recipes/*.toml): progress, resumable state, results.json", runRecipe)
}

func runRecipe(args []string) error {
	if len(args) != 1 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: colash recipe FILE.toml")
	}
	r, err := recipes.Load(args[0])
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := recipes.Run(ctx, r, os.Stderr)
	if err != nil {
		return fmt.Errorf("%s (run it again to continue; state is in %s)", err, r.OutDir())
	}
	if s, ok := res.Metrics.(fmt.Stringer); ok {
		fmt.Println(s)
	}
	fmt.Fprintf(os.Stderr, "results: %s\n", r.OutDir())
	return nil
}
