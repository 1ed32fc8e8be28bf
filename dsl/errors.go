package dsl

// The errors an evaluation returns: panics of scripts and of the interpreter, hints for its known
// gaps, and the positions they name.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
)

// Panic is a panic in user code, or inside the interpreter, turned into an error.
type Panic struct {
	Value    any
	Internal bool   // the interpreter itself failed (a yaegi limit), not the script
	Hint     string // what to write instead, when known
	Pos      string // where in the script, when known ("file:line:col")
	Line     int    // the line in the evaluated source, when known
	Stack    []byte
}

func (p *Panic) Error() string {
	var msg string
	if e, ok := p.Value.(error); ok {
		msg = e.Error()
	} else {
		msg = fmt.Sprint(p.Value)
	}
	var ce interface{ Unwrap() error }
	switch {
	case p.Internal:
		msg = "the interpreter failed on this input: " + msg
	case errors.As(p.Unwrap(), &ce) && fmt.Sprintf("%T", p.Value) == "*colash.Error":
		// a colash function failed: its message says what went wrong
	default:
		msg = "panic: " + msg
	}
	if p.Pos != "" {
		msg = p.Pos + ": " + msg
	}
	if p.Hint != "" {
		msg += "\n  hint: " + p.Hint
	}
	return msg
}

// Unwrap gives the panic value when it is an error (such as a colash *Error).
func (p *Panic) Unwrap() error {
	e, _ := p.Value.(error)
	return e
}

func explainPanic(r any, src string, stack []byte) error {
	p := &Panic{Value: r, Internal: true, Stack: stack}
	p.Hint = hint(fmt.Sprint(r), src)
	return p
}

// explain adds a hint to errors caused by the interpreter's known gaps, and unwraps the panics
// recovered by yaegi.
func explain(err error, src string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ErrInterrupted
	}
	var yp interp.Panic
	if errors.As(err, &yp) {
		v := yp.Value
		if e, ok := v.(error); ok && (errors.Is(e, context.Canceled) || errors.Is(e, context.DeadlineExceeded)) {
			return ErrInterrupted
		}
		p := &Panic{Value: v, Stack: yp.Stack}
		if isRuntimeInternal(v) {
			p.Hint = hint(fmt.Sprint(v), src)
		}
		return p
	}
	if h := hint(err.Error(), src); h != "" {
		return &hinted{err, h}
	}
	return err
}

// ErrInterrupted is returned when an evaluation is cancelled (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\n  hint: " + h.hint }
func (h *hinted) Unwrap() error { return h.err }

func isRuntimeInternal(v any) bool {
	_, ok := v.(interface{ RuntimeError() })
	return ok
}

// panicPos passes the interpreter's error output through, except the line yaegi prints when a
// script panics ("file:line:col: panic: ..."): its position is kept for the error message.
type panicPos struct {
	mu   sync.Mutex
	w    io.Writer
	last string
}

var rePanicLine = regexp.MustCompile(`^((?:.*?:)?\d+:\d+): panic`)

func (p *panicPos) Write(b []byte) (int, error) {
	// yaegi prints the panic line with one Fprintln, so one Write holds all of it.
	if m := rePanicLine.FindSubmatch(b); m != nil && bytes.Count(b, []byte("\n")) <= 1 {
		p.mu.Lock()
		p.last = string(m[1])
		p.mu.Unlock()
		return len(b), nil
	}
	return p.w.Write(b)
}

// take returns the last panic position and forgets it.
func (p *panicPos) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.last
	p.last = ""
	return s
}

// positionIn names the file in a position yaegi reported: "_.go:3:2" or "3:2" (shell input,
// whose first line has a shifted column) become "name:3".
func positionIn(name, pos string) string {
	if pos == "" || name == "" {
		return ""
	}
	if strings.HasPrefix(pos, "_.go:") || (pos[0] >= '0' && pos[0] <= '9') {
		p := strings.TrimPrefix(pos, "_.go:")
		line, _, _ := strings.Cut(p, ":")
		return name + ":" + line
	}
	return pos
}

var reLeadPos = regexp.MustCompile(`^(?:_\.go:)?(\d+):\d+: `)

// lineOf is the line of a position "_.go:3:2", "3:2" or "file:3:2" (0 if none).
func lineOf(pos string) int {
	parts := strings.Split(pos, ":")
	if len(parts) < 2 {
		return 0
	}
	n := 0
	fmt.Sscan(parts[len(parts)-2], &n)
	return n
}
