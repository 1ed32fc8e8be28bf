package main

import (
	"fmt"
	"os"
	"strings"

	"colash/notebook"
)

func init() {
	register("notebook", "run a markdown notebook: colash notebook run FILE.md [-o OUT.md] [--keep-going]; ipynb FILE.md writes FILE.ipynb", runNotebook).
		asGroup().
		withDoc("The ```go blocks of a markdown file run in order in one shell session; what each prints, its\n"+
			"value and any plot are written below it (docs/notebooks.md).").
		withExample("colash notebook run examples/notebooks/steering.md -o /tmp/steering.md",
			"colash notebook ipynb examples/notebooks/steering.md")
	register("notebook run", "run the go blocks of FILE.md and write their outputs below them", notebookRun).
		withUsage("colash notebook run [flags] FILE.md").
		withExample("colash notebook run examples/notebooks/rl.md -o /tmp/rl.md --keep-going")
	register("notebook ipynb", "write FILE.ipynb beside FILE.md: the same cells for Jupyter and the colash kernel", notebookIPynb).
		withUsage("colash notebook ipynb FILE.md").
		withExample("colash notebook ipynb examples/notebooks/steering.md")
}

func runNotebook(args []string) error {
	switch {
	case len(args) > 0 && args[0] == "run":
		return notebookRun(args[1:])
	case len(args) > 0 && args[0] == "ipynb":
		return notebookIPynb(args[1:])
	}
	return fmt.Errorf("usage: colash notebook run [flags] FILE.md | colash notebook ipynb FILE.md")
}

func notebookIPynb(args []string) error {
	fs := newFlags("notebook ipynb")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: colash notebook ipynb FILE.md (one file, got %d)", fs.NArg())
	}
	return writeIPynb(fs.Arg(0))
}

func notebookRun(args []string) error {
	fs := newFlags("notebook run")
	var sf sessionFlags
	sf.register(fs)
	out := fs.String("o", "", "write the notebook with its outputs here (default: over FILE.md)")
	keep := fs.Bool("keep-going", false, "run every block even after one fails")
	quiet := fs.Bool("q", false, "do not name each block on stderr as it runs")
	// flags may come after the file: colash notebook run a.md -o b.md
	var files []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		return fmt.Errorf("usage: colash notebook run [flags] FILE.md (one file, got %d)", len(files))
	}
	if err := sf.apply(); err != nil {
		return err
	}
	o := notebook.Options{Out: *out, KeepGoing: *keep}
	if !*quiet {
		o.Progress = os.Stderr
	}
	return notebook.RunFile(contextWithInterrupt(), files[0], o)
}

// writeIPynb writes FILE.ipynb beside FILE.md: the same cells for Jupyter and the colash kernel.
func writeIPynb(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d, err := notebook.Parse(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b, err := d.IPynb()
	if err != nil {
		return err
	}
	out := strings.TrimSuffix(path, ".md") + ".ipynb"
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", out)
	return nil
}
