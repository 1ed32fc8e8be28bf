package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"colash/notebook"
)

func init() {
	register("notebook", "run a markdown notebook: colash notebook run FILE.md [-o OUT.md] [--keep-going]; ipynb FILE.md writes FILE.ipynb", runNotebook)
}

func runNotebook(args []string) error {
	if len(args) == 2 && args[0] == "ipynb" {
		return writeIPynb(args[1])
	}
	if len(args) == 0 || args[0] != "run" {
		return fmt.Errorf("usage: colash notebook run [flags] FILE.md (the ```go blocks run in order; outputs are written below them) | colash notebook ipynb FILE.md")
	}
	fs := flag.NewFlagSet("notebook run", flag.ContinueOnError)
	var sf sessionFlags
	sf.register(fs)
	out := fs.String("o", "", "write the notebook with its outputs here (default: over FILE.md)")
	keep := fs.Bool("keep-going", false, "run every block even after one fails")
	quiet := fs.Bool("q", false, "do not name each block on stderr as it runs")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: colash notebook run [flags] FILE.md")
		fs.PrintDefaults()
	}
	// flags may come after the file: colash notebook run a.md -o b.md
	var files []string
	rest := args[1:]
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
