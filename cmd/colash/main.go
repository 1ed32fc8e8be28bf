// Command colash is a research shell for CoLA: latent-action control of Llama models.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
)

// The main goroutine keeps the process's first OS thread: libtorch's settings are per OS thread
// (grad mode, the intra-op thread count that --threads sets) and so are libgomp's teams of
// OpenMP threads, which spin on the cores for a while after each op. A command's tensor work
// then runs on one thread that meets one team, instead of leaving spinning teams behind on each
// thread the Go scheduler moves it to (docs/performance.md).
func init() { runtime.LockOSThread() }

// command is one subcommand: its one-line summary and its entry point (args after the name).
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func([]string) error) {
	commands[name] = command{summary, run}
}

func usage() {
	fmt.Fprintf(os.Stderr, "colash: a research shell for CoLA (latent-action control of Llama models)\n\nusage: colash COMMAND [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\n'colash COMMAND -h' describes a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 {
		os.Args = append(os.Args, "shell") // no arguments: the interactive shell
	}
	if os.Args[1] == "-e" {
		os.Args = append([]string{os.Args[0], "run"}, os.Args[1:]...) // colash -e 'expr'
	}
	if os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "colash: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "colash") {
			msg = "colash " + os.Args[1] + ": " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}
