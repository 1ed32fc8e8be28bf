package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"colash/dsl"
)

func init() {
	register("run", "run a script: colash run script.go [args]; -e 'expr' evaluates one expression", runScript).
		withUsage("colash run [flags] script.go [args]", "colash -e [flags] 'EXPR'").
		withDoc("Scripts are Go, interpreted with the colash API loaded (examples/README.md); the flags set where\n"+
			"the script's models load.").
		withExample("colash run examples/hooks_patch.go", "colash -e 'colash.Load(\"\").Generate(\"Once upon a time\")'")
}

// contextWithInterrupt is cancelled by the first Ctrl-C.
func contextWithInterrupt() context.Context {
	ctx, _ := stopContext()
	return ctx
}

func runScript(args []string) error {
	fs := newFlags("run")
	var sf sessionFlags
	sf.register(fs)
	expr := fs.Bool("e", false, "evaluate the arguments as one expression or statement list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sf.apply(); err != nil {
		return err
	}
	args = fs.Args()
	if *expr {
		return runExpr(args)
	}
	if len(args) == 0 {
		return fmt.Errorf("usage: colash run [--device D] [--dtype T] script.go [args]  |  colash -e 'expr'")
	}
	log.SetOutput(io.Discard) // see runShell
	file := args[0]
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	sh, err := dsl.NewShell(dsl.Config{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Args: args})
	if err != nil {
		return err
	}
	if err := sh.RunScript(contextWithInterrupt(), file, string(src)); err != nil {
		return fmt.Errorf("colash run: %s", scriptError(file, err))
	}
	return nil
}

// scriptError names the file in an error whose position lacks it (statements-only scripts
// are compiled as shell input and report bare line:col positions).
func scriptError(file string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "_.go:") {
		return file + msg[len("_.go"):]
	}
	if len(msg) > 0 && msg[0] >= '0' && msg[0] <= '9' && strings.Contains(msg, ":") {
		return file + ":" + msg
	}
	return msg
}

// runExpr evaluates one expression or statement list and prints the value, as the shell does.
func runExpr(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: colash -e 'expr'")
	}
	log.SetOutput(io.Discard)
	sh, err := dsl.NewShell(dsl.Config{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Args: []string{"colash"}})
	if err != nil {
		return err
	}
	if err := sh.Exec(contextWithInterrupt(), strings.Join(args, " ")); err != nil {
		os.Exit(1) // Exec printed the error
	}
	return nil
}
