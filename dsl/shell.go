package dsl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	colash "colash/stdlib"
)

// Config sets up a shell session. Its streams may be a terminal or plain buffers.
type Config struct {
	Stdin          io.Reader // what scripts read from os.Stdin (not the shell's input)
	Stdout, Stderr io.Writer
	Color          bool     // style the prompt, errors and tables
	Args           []string // os.Args seen by scripts
}

// Shell is one interactive session: an interpreter, the inputs it accepted and the :commands.
type Shell struct {
	cfg      Config
	in       *Interp
	inputs   []string        // accepted inputs, in order: what :save writes
	names    map[string]bool // names defined in the session, for completion
	commands []*Command
	st       shellStyles
	done     bool
	started  time.Time
}

// Command is one :command of the shell.
type Command struct {
	Name     string // without the colon
	Args     string // argument synopsis, e.g. "FILE"
	Doc      string // one line
	Run      func(s *Shell, ctx context.Context, arg string) error
	Complete func(s *Shell, arg string) []string // candidates for the argument (nil: none)
}

type shellStyles struct {
	prompt, cont, err, hint, faint, head lipgloss.Style
}

// NewShell starts a session. No model is loaded until a script asks for one.
func NewShell(cfg Config) (*Shell, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.Stdin == nil {
		cfg.Stdin = strings.NewReader("")
	}
	s := &Shell{cfg: cfg, commands: commandTable(), started: time.Now()}
	r := lipgloss.NewRenderer(cfg.Stdout)
	if !cfg.Color {
		r.SetColorProfile(0) // termenv.Ascii
		r = lipgloss.NewRenderer(io.Discard)
	}
	s.st = shellStyles{
		prompt: r.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		cont:   r.NewStyle().Foreground(lipgloss.Color("8")),
		err:    r.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		hint:   r.NewStyle().Foreground(lipgloss.Color("3")),
		faint:  r.NewStyle().Faint(true),
		head:   r.NewStyle().Bold(true),
	}
	return s, s.reset()
}

func (s *Shell) reset() error {
	in, err := NewInterp(Options{Stdin: s.cfg.Stdin, Stdout: s.cfg.Stdout, Stderr: s.cfg.Stderr, Args: s.cfg.Args, Imports: true})
	if err != nil {
		return err
	}
	s.in, s.inputs, s.names = in, nil, map[string]bool{}
	return nil
}

// Prompt is the prompt for a new input; Continuation for its next lines.
func (s *Shell) Prompt() string       { return s.st.prompt.Render("colash>") + " " }
func (s *Shell) Continuation() string { return s.st.cont.Render("   ...") + " " }

// Done reports whether :quit was given.
func (s *Shell) Done() bool { return s.done }

// Inputs are the session's accepted inputs, in order.
func (s *Shell) Inputs() []string { return append([]string(nil), s.inputs...) }

// Exec runs one complete input: a :command or Go code. Results go to Stdout; an error is
// printed to Stderr (styled) and also returned. The session stays usable after any error.
func (s *Shell) Exec(ctx context.Context, input string) error {
	src := strings.TrimSpace(input)
	if src == "" {
		return nil
	}
	var err error
	if strings.HasPrefix(src, ":") {
		err = s.command(ctx, src)
	} else {
		err = s.eval(ctx, src, true)
	}
	if err != nil {
		s.PrintError(err)
	}
	return err
}

// PrintError prints err the way the shell shows errors.
func (s *Shell) PrintError(err error) {
	if errors.Is(err, ErrInterrupted) {
		fmt.Fprintln(s.cfg.Stderr, s.st.err.Render("interrupted"))
		return
	}
	msg := err.Error()
	h := ""
	if i := strings.Index(msg, "\n  hint: "); i >= 0 {
		msg, h = msg[:i], msg[i+len("\n  hint: "):]
	}
	fmt.Fprintln(s.cfg.Stderr, s.st.err.Render("error:")+" "+msg)
	if h != "" {
		fmt.Fprintln(s.cfg.Stderr, s.st.hint.Render("hint:")+" "+h)
	}
}

func (s *Shell) eval(ctx context.Context, src string, record bool) error {
	v, print, err := s.evalShown(ctx, src)
	if err != nil {
		return err
	}
	if record {
		s.inputs = append(s.inputs, src)
		for _, n := range definedNames(src) {
			s.names[n] = true
		}
	}
	switch {
	case print && src == "nil":
		fmt.Fprintln(s.cfg.Stdout, "nil")
	case print && v.IsValid():
		fmt.Fprintln(s.cfg.Stdout, FormatValue(v))
	}
	return nil
}

// RunLines reads inputs line by line from r (joining lines while NeedMore) and runs each, as
// the shell does with a terminal. It returns at the end of r or after :quit; errors in inputs
// are printed and do not stop it.
func (s *Shell) RunLines(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var buf []string
	for !s.done && sc.Scan() {
		buf = append(buf, sc.Text())
		src := strings.Join(buf, "\n")
		if NeedMore(src) {
			continue
		}
		buf = nil
		s.Exec(ctx, src)
	}
	if len(buf) > 0 && !s.done {
		s.Exec(ctx, strings.Join(buf, "\n"))
	}
	return sc.Err()
}

// names known to the session for completion: packages, session variables.
func (s *Shell) packageNames() map[string]string {
	out := map[string]string{}
	seen := map[string]int{}
	keys := make([]string, 0)
	for k := range ScriptSymbols() {
		keys = append(keys, k)
	}
	for k := range stdlibSymbols() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		seen[k[strings.LastIndexByte(k, '/')+1:]]++
	}
	for _, k := range keys {
		name := k[strings.LastIndexByte(k, '/')+1:]
		dir := strings.TrimSuffix(k, "/"+name)
		if seen[name] > 1 {
			name = strings.ReplaceAll(dir, "/", "_")
			if i := strings.LastIndexByte(dir, '/'); i >= 0 {
				name = dir[:i] + "_" + dir[i+1:]
				name = name[strings.LastIndexByte(name, '/')+1:]
			}
		}
		out[name] = k
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ = colash.Models

// SplitInputs cuts a script into the inputs the shell would have run: lines are joined while
// NeedMore says an input is unfinished. It returns each input with its first line (from 1).
func SplitInputs(src string) (inputs []string, lines []int) {
	var buf []string
	start := 1
	for i, l := range strings.Split(src, "\n") {
		if len(buf) == 0 {
			if strings.TrimSpace(l) == "" {
				continue
			}
			start = i + 1
		}
		buf = append(buf, l)
		if joined := strings.Join(buf, "\n"); !NeedMore(joined) {
			inputs, lines = append(inputs, joined), append(lines, start)
			buf = nil
		}
	}
	if len(buf) > 0 {
		inputs, lines = append(inputs, strings.Join(buf, "\n")), append(lines, start)
	}
	return inputs, lines
}

// ScriptError is an error in a script file, at a line.
type ScriptError struct {
	File string
	Line int
	Err  error
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// RunScript runs a script in the session. A Go file with a package clause is compiled whole
// (its main runs); anything else runs input by input as if typed, expression values printed,
// and stops at the first error, which names the file and line.
func (s *Shell) RunScript(ctx context.Context, name, src string) error {
	if strings.HasPrefix(stripComments(dropBuildLines(src)), "package ") {
		_, err := s.in.Eval(ctx, name, src) // not recorded: :save writes shell inputs only
		return err
	}
	inputs, lines := SplitInputs(dropBuildLines(src))
	for i, in := range inputs {
		if err := s.eval(ctx, in, true); err != nil {
			if errors.Is(err, ErrInterrupted) {
				return err
			}
			return scriptErrorAt(name, lines[i], err)
		}
	}
	return nil
}

// scriptErrorAt places err, from an input that starts at line of file name, at its line.
func scriptErrorAt(name string, line int, err error) *ScriptError {
	var p *Panic
	if errors.As(err, &p) && p.Line > 0 {
		line += p.Line - 1
		p.Pos = ""
	} else if m := reLeadPos.FindStringSubmatch(err.Error()); m != nil {
		n := 0
		fmt.Sscan(m[1], &n)
		line += n - 1
		err = errors.New(strings.TrimPrefix(err.Error(), m[0]))
	}
	return &ScriptError{File: name, Line: line, Err: err}
}
