// Command colash is a research shell for CoLA: latent-action control of Llama models.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

// The main goroutine keeps the process's first OS thread: libtorch's settings are per OS thread
// (grad mode, the intra-op thread count that --threads sets) and so are libgomp's teams of
// OpenMP threads, which spin on the cores for a while after each op. A command's tensor work
// then runs on one thread that meets one team, instead of leaving spinning teams behind on each
// thread the Go scheduler moves it to (docs/performance.md).
func init() { runtime.LockOSThread() }

// stopContext is cancelled by Ctrl-C (SIGINT) or SIGTERM, the signal torchrun, Kubernetes and
// colash launch stop a process with: a long job then saves a checkpoint at its next step boundary
// (engine/run) and exits. stop releases the signals.
func stopContext() (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"shell"} // no arguments: the interactive shell
	}
	if args[0] == "-e" {
		args = append([]string{"run"}, args...) // colash -e 'expr'
	}
	switch {
	case isHelpFlag(args[0]) || (args[0] == "help" && len(args) == 1):
		topUsage(os.Stdout)
		return
	case args[0] == "help":
		args = append(args[1:], "--help") // colash help CMD [SUB]
	}
	helpRequested = wantsHelp(args)
	c, n := lookup(args)
	if c == nil {
		fmt.Fprintf(os.Stderr, "colash: unknown command %q\n\n", args[0])
		topUsage(os.Stderr)
		os.Exit(2)
	}
	rest := args[n:]
	if c.group && (len(rest) == 0 || isHelpFlag(rest[0])) {
		// A command whose first argument names a subcommand: list them.
		if len(rest) == 0 {
			fmt.Fprintf(os.Stderr, "colash %s: which subcommand?\n\n", c.name)
			printHelp(os.Stderr, c, nil)
			os.Exit(2)
		}
		printHelp(os.Stdout, c, nil)
		return
	}
	err := c.call(rest)
	if errors.Is(err, flag.ErrHelp) || (err == nil && len(rest) > 0 && isHelpFlag(rest[0])) {
		// The command printed its usage and flags: a flag set from newFlags printed the table's
		// help, example included; one made otherwise gets the example here.
		if !helpShown && len(c.example) > 0 {
			fmt.Fprintf(os.Stdout, "\nExample:\n%s", indent(c.example))
		}
		return
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "colash") {
			msg = "colash " + c.name + ": " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}
