// Package dsl runs colash scripts: a yaegi interpreter with Go's standard library and the
// colash API (colash/stdlib, imported by scripts as "colash"), and the interactive shell built
// on it.
package dsl

import (
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"colash/stdlib/backend"
	_ "colash/stdlib/torch" // the tensor engine behind the colash API
)

// ScriptSymbols are the symbol tables an interpreter is given: Go's standard library and the
// colash API under the import path "colash".
func ScriptSymbols() map[string]map[string]reflect.Value {
	out := map[string]map[string]reflect.Value{}
	for k, v := range Symbols {
		if k == "colash/stdlib/colash" {
			k = "colash/colash" // scripts write import "colash"
		}
		out[k] = v
	}
	return out
}

// interfaceWrappers are the generated interface wrappers of the colash API, under its real path.
func interfaceWrappers() map[string]map[string]reflect.Value {
	w := map[string]reflect.Value{}
	for name, v := range Symbols["colash/stdlib/colash"] {
		if strings.HasPrefix(name, "_") {
			w[name] = v
		}
	}
	return map[string]map[string]reflect.Value{"colash/stdlib/colash": w}
}

// Interp is a yaegi interpreter set up for colash. Its Eval never panics: panics in user code
// and inside the interpreter become errors.
type Interp struct {
	yi             *interp.Interpreter
	stdout, stderr io.Writer
	pos            *panicPos
	tmp, tmpName   string // the temporary copy of the last file compiled, and its real name
}

// Options configure an interpreter.
type Options struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Args           []string // the script's os.Args (default: the program's)
	Env            []string // the script's environment, "key=value" (default: the process's)
	// Imports makes every package usable without an import line, as in the shell; files with a
	// package clause import what they use either way.
	Imports bool
}

// NewInterp makes an interpreter.
func NewInterp(o Options) (*Interp, error) {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	pos := &panicPos{w: o.Stderr}
	stdout, stderr := o.Stdout, io.Writer(pos)
	if o.Env == nil {
		// The interpreter's os.Getenv, os.Environ... read its own copy, empty unless given one.
		o.Env = os.Environ()
	}
	yi := interp.New(interp.Options{Stdin: o.Stdin, Stdout: stdout, Stderr: stderr, Args: o.Args, Env: o.Env})
	if err := yi.Use(stdlib.Symbols); err != nil {
		return nil, err
	}
	if err := yi.Use(ScriptSymbols()); err != nil {
		return nil, err
	}
	if o.Imports {
		yi.ImportUsed()
	}
	// yaegi looks up the wrappers that let a script's types satisfy an API interface (such as
	// colash.Display) under the interface's real package path; added after ImportUsed so that
	// "colash" still names the API alone.
	if err := yi.Use(interfaceWrappers()); err != nil {
		return nil, err
	}
	return &Interp{yi: yi, stdout: o.Stdout, stderr: o.Stderr, pos: pos}, nil
}

// Eval compiles and runs src (statements, declarations or an expression, as typed in the
// shell; name is used in positions, "" for none) under ctx. The colash API sees ctx, so
// cancelling it also stops a generation in progress.
func (in *Interp) Eval(ctx context.Context, name, src string) (res reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = reflect.Value{}, explainPanic(r, src, debug.Stack())
		}
	}()
	var prog *interp.Program
	src = dropBuildLines(src)
	if name != "" && strings.HasPrefix(strings.TrimSpace(stripComments(src)), "package ") {
		prog, err = in.compileFile(name, src)
	} else {
		prog, err = in.compile(src)
	}
	if err != nil {
		if _, ok := err.(*Panic); ok {
			return reflect.Value{}, err
		}
		return reflect.Value{}, explain(err, src)
	}
	backend.SetContext(ctx)
	backend.SetOutput(in.stdout)
	defer backend.SetContext(nil)
	in.pos.take()
	res, err = in.yi.ExecuteWithContext(ctx, prog)
	if err != nil {
		err = explain(err, src)
		if p, ok := err.(*Panic); ok {
			raw := in.pos.take()
			p.Line = lineOf(raw)
			p.Pos = positionIn(name, raw)
			if in.tmp != "" {
				p.Pos = strings.ReplaceAll(p.Pos, in.tmp, in.tmpName)
			}
		}
		return reflect.Value{}, err
	}
	return res, nil
}

// compile compiles src, shell input. A top-level definition that indexes a value of compiled
// code, which the interpreter fails to compile ("constant definition loop", or a panic of its
// compiler), compiles once convertIndexed has rewritten it. Compiling runs nothing of src.
func (in *Interp) compile(src string) (*interp.Program, error) {
	prog, err := in.compileOnce(src)
	if err == nil {
		return prog, nil
	}
	if _, panicked := err.(*Panic); panicked || strings.Contains(err.Error(), "definition loop") {
		if fixed, ok := in.convertIndexed(src); ok {
			if p, e := in.compileOnce(fixed); e == nil {
				return p, nil
			}
		}
	}
	return nil, err
}

// compileOnce is the interpreter's Compile, its panics turned into errors (*Panic).
func (in *Interp) compileOnce(src string) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, explainPanic(r, src, debug.Stack())
		}
	}()
	return in.yi.Compile(src)
}

// compileFile compiles a whole Go file so that positions carry its name.
func (in *Interp) compileFile(name, src string) (*interp.Program, error) {
	f, err := os.CreateTemp("", "colash-*.go")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	f.WriteString(src)
	f.Close()
	in.tmp, in.tmpName = f.Name(), name
	prog, err := in.yi.CompilePath(f.Name())
	if err != nil {
		err = errors.New(strings.ReplaceAll(err.Error(), f.Name(), name))
	}
	return prog, err
}

// Interpreter is the underlying yaegi interpreter.
func (in *Interp) Interpreter() *interp.Interpreter { return in.yi }

// dropBuildLines blanks //go:build lines (keeping line numbers): scripts carry
// "//go:build ignore" so that the go tool skips them, and they run all the same.
func dropBuildLines(src string) string {
	if !strings.Contains(src, "//go:build") {
		return src
	}
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "//go:build") || strings.HasPrefix(strings.TrimSpace(l), "// +build") {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}
