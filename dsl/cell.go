package dsl

import (
	"context"
	"errors"
	"reflect"
	"strings"

	colash "colash/stdlib"
)

// Notebook front ends (the Jupyter kernel, colash notebook run) run cells through a Shell, so a
// cell behaves as the same lines typed in the shell: the same interpreter, :commands, completer
// and multi-line rules. The front end gives the Shell writers it can route per cell.

// Cell runs one notebook cell: its inputs in order, as RunScript runs a statements-only script
// (the values of expressions before the last print to Stdout). The value of the last input, when
// it is an expression the shell would print, is returned instead of printed, for the front end
// to render (FormatValue, or Display for rich output); shown is false when there is none. An
// error names the cell (name) and the line in it, as RunScript's do; the session stays usable.
func (s *Shell) Cell(ctx context.Context, name, src string) (v reflect.Value, shown bool, err error) {
	inputs, lines := SplitInputs(dropBuildLines(src))
	for i, in := range inputs {
		last := i == len(inputs)-1
		switch {
		case strings.HasPrefix(strings.TrimSpace(in), ":"):
			err = s.command(ctx, strings.TrimSpace(in))
		case last:
			v, shown, err = s.evalValue(ctx, in)
		default:
			err = s.eval(ctx, in, true)
		}
		if err != nil {
			if errors.Is(err, ErrInterrupted) {
				return reflect.Value{}, false, err
			}
			return reflect.Value{}, false, scriptErrorAt(name, lines[i], err)
		}
	}
	return v, shown, nil
}

// evalValue runs one input, records it, and returns its value when the shell would print it.
func (s *Shell) evalValue(ctx context.Context, src string) (reflect.Value, bool, error) {
	v, print, err := s.evalShown(ctx, src)
	if err != nil {
		return reflect.Value{}, false, err
	}
	s.inputs = append(s.inputs, src)
	for _, n := range definedNames(src) {
		s.names[n] = true
	}
	return v, print && v.IsValid(), nil
}

// Doc is the documentation :doc prints for name ("" and an error when there is none).
func (s *Shell) Doc(ctx context.Context, name string) (string, error) {
	var b strings.Builder
	out := s.cfg.Stdout
	s.cfg.Stdout = &b
	defer func() { s.cfg.Stdout = out }()
	err := s.cmdDoc(ctx, name)
	return b.String(), err
}

// IsComplete reports whether src is a whole input (NeedMore is false): what a notebook's
// is_complete request asks.
func IsComplete(src string) bool { return !NeedMore(src) }

// MIME is what a notebook shows for a cell's value: the value's colash.Display bundle when it
// has one, and always "text/plain" (FormatValue, as the shell prints it, unless Display gave one).
func MIME(v reflect.Value) map[string][]byte {
	out := map[string][]byte{}
	if v.IsValid() && v.CanInterface() {
		if d, ok := v.Interface().(colash.Display); ok && !(v.Kind() == reflect.Pointer && v.IsNil()) {
			for k, b := range d.Display() {
				out[k] = b
			}
		}
	}
	if _, ok := out["text/plain"]; !ok {
		out["text/plain"] = []byte(FormatValue(v))
	}
	return out
}
