package main

import (
	"io"
	"log"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"

	"colash/dsl"
)

func init() {
	register("shell", "the interactive colash shell (also: colash with no arguments)", runShell).
		withUsage("colash shell [--device D] [--dtype T] [--threads N]", "colash").
		withDoc("Go interpreted by yaegi with the colash API loaded: :help lists the shell's commands, TAB\n"+
			"completes, :doc NAME describes a function. Piped input runs line by line.").
		withExample("colash", "echo 'colash.Load(\"cola\").Generate(\"Once upon a time\")' | colash shell")
}

func runShell(args []string) error {
	fs := newFlags("shell")
	var sf sessionFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sf.apply(); err != nil {
		return err
	}
	// yaegi reports some internal failures on the standard logger before panicking; the shell
	// explains them itself.
	log.SetOutput(io.Discard)
	tty := isatty.IsTerminal(os.Stdin.Fd()) && isatty.IsTerminal(os.Stdout.Fd())
	sh, err := dsl.NewShell(dsl.Config{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Color: tty && lipgloss.NewRenderer(os.Stdout).ColorProfile() != 0 && os.Getenv("NO_COLOR") == "",
		Args:  []string{"colash"},
	})
	if err != nil {
		return err
	}
	if !tty {
		// piped input: run it line by line, like the terminal would
		return sh.RunLines(contextWithInterrupt(), os.Stdin)
	}
	return sh.Interactive(os.Stdin)
}
