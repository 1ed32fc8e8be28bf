package dsl

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"

	"colash/internal/mem"
	colash "colash/stdlib"
)

// Limits are the interpreter's gaps that :help lists, with what to write instead.
var Limits = []string{
	"for i := range n (range over int) and range over functions: use for i := 0; i < n; i++ or colash.Range(n)",
	"min, max and clear built-ins: use colash.Min/Max (int), colash.MinF/MaxF (float64)",
	"generic functions of compiled packages (slices, maps, cmp): colash.SortInts/SortFloats/SortStrings, sort.Slice",
	"a panic in a goroutine started by a script ends the shell; panics in the script itself do not",
}

func commandTable() []*Command {
	return []*Command{
		{Name: "help", Doc: "list the commands and the interpreter's limits", Run: (*Shell).cmdHelp},
		{Name: "doc", Args: "NAME", Doc: "documentation of a colash name (Load, Model.Generate, m.Next) or a Go one (strings.Fields)",
			Run: (*Shell).cmdDoc, Complete: (*Shell).completeDoc},
		{Name: "type", Args: "EXPR", Doc: "the type of an expression (it is evaluated)", Run: (*Shell).cmdType, Complete: (*Shell).completeExpr},
		{Name: "load", Args: "FILE", Doc: "run a script file in this session", Run: (*Shell).cmdLoad, Complete: completeFile},
		{Name: "save", Args: "FILE", Doc: "write the session's accepted inputs as a script (colash run FILE replays it)", Run: (*Shell).cmdSave, Complete: completeFile},
		{Name: "reset", Doc: "forget all variables and inputs (loaded models stay cached)", Run: (*Shell).cmdReset},
		{Name: "status", Doc: "device, threads, loaded models, memory", Run: (*Shell).cmdStatus},
		{Name: "quit", Doc: "leave the shell (Ctrl-D also does)", Run: func(s *Shell, _ context.Context, _ string) error { s.done = true; return nil }},
	}
}

// Commands is the shell's command table.
func (s *Shell) Commands() []*Command { return s.commands }

func (s *Shell) lookup(name string) *Command {
	var hits []*Command
	for _, c := range s.commands {
		if c.Name == name {
			return c
		}
		if strings.HasPrefix(c.Name, name) {
			hits = append(hits, c)
		}
	}
	if len(hits) == 1 {
		return hits[0] // a unique prefix: :q, :h
	}
	return nil
}

func (s *Shell) command(ctx context.Context, src string) error {
	name, arg, _ := strings.Cut(strings.TrimPrefix(src, ":"), " ")
	c := s.lookup(name)
	if c == nil {
		return fmt.Errorf("unknown command :%s (:help lists them)", name)
	}
	return c.Run(s, ctx, strings.TrimSpace(arg))
}

func (s *Shell) cmdHelp(_ context.Context, _ string) error {
	w := s.cfg.Stdout
	fmt.Fprintln(w, s.st.head.Render("colash shell")+": Go, interpreted, with the colash API (colash.Load, m.Generate, ...). An expression prints its value.")
	fmt.Fprintln(w, "Lines continue while a bracket is open. TAB completes; Ctrl-C stops a running evaluation; Ctrl-D leaves.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, s.st.head.Render("commands"))
	for _, c := range s.commands {
		fmt.Fprintf(w, "  %-14s %s\n", ":"+strings.TrimSpace(c.Name+" "+c.Args), c.Doc)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, s.st.head.Render("start here"))
	fmt.Fprintln(w, `  m := colash.Load("")                       // the shipped `+colash.DefaultModel+` model`)
	fmt.Fprintln(w, `  m.Generate("Once upon a time", colash.Opts{N: 32})`)
	fmt.Fprintln(w, `  m.Next("The cat sat on the", 5)            // likeliest next tokens`)
	fmt.Fprintln(w, `  colash.Histogram(m.Pieces("the cat and the dog"))`)
	fmt.Fprintln(w, `  c := colash.InitCoLA("", 16, 1)             // or colash.Load(a CoLA checkpoint)`)
	fmt.Fprintln(w, `  c.Codes("The cat sat.")                    // latent codes read by the IDM`)
	fmt.Fprintln(w, `  c.Force("Once upon a time", 3)             // steer: code 3 at every step (also Steer, Bias, Sample)`)
	fmt.Fprintln(w)
	fmt.Fprintln(w, s.st.head.Render("interpreter limits"))
	for _, l := range Limits {
		fmt.Fprintln(w, "  - "+l)
	}
	return nil
}

func (s *Shell) cmdDoc(ctx context.Context, arg string) error {
	if arg == "" {
		return fmt.Errorf(":doc NAME, e.g. :doc Load, :doc Model.Generate, :doc m.Next, :doc strings.Fields")
	}
	name := arg
	// a method through a session variable: m.Next -> Model.Next
	if i := strings.LastIndexByte(arg, '.'); i > 0 && s.names[arg[:i]] {
		if v, err := s.in.Eval(ctx, "", arg[:i]); err == nil && v.IsValid() {
			t := v.Type()
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			name = t.Name() + "." + arg[i+1:]
		}
	}
	if d := colash.Doc(name); d != "" {
		fmt.Fprintln(s.cfg.Stdout, d)
		return nil
	}
	if d := colash.HookDoc(arg); d != "" {
		fmt.Fprintln(s.cfg.Stdout, d)
		return nil
	}
	// x.Method with x not (yet) defined: a colash method of that name
	if i := strings.LastIndexByte(name, '.'); i > 0 && name[0] >= 'a' && name[0] <= 'z' && s.packageNames()[name[:i]] == "" {
		if d := colash.Doc(name[i+1:]); d != "" {
			fmt.Fprintln(s.cfg.Stdout, d)
			return nil
		}
	}
	// a Go package symbol: go doc when the toolchain is there, else its type
	if pkg, sym, ok := strings.Cut(name, "."); ok {
		if key, ok := s.packageNames()[pkg]; ok {
			if goBin, err := exec.LookPath("go"); err == nil {
				ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				out, err := exec.CommandContext(ctx2, goBin, "doc", filepath.Dir(key)+"."+sym).CombinedOutput()
				if err == nil {
					fmt.Fprint(s.cfg.Stdout, string(out))
					return nil
				}
			}
			if v, ok := allSymbols()[key][sym]; ok {
				fmt.Fprintf(s.cfg.Stdout, "%s.%s: %s\n", pkg, sym, v.Type())
				return nil
			}
		}
	}
	return fmt.Errorf("no documentation for %s", arg)
}

func (s *Shell) cmdType(ctx context.Context, arg string) error {
	if arg == "" {
		return fmt.Errorf(":type EXPR")
	}
	v, err := s.in.Eval(ctx, "", arg)
	if err != nil {
		return err
	}
	if !v.IsValid() {
		fmt.Fprintln(s.cfg.Stdout, "no value")
		return nil
	}
	fmt.Fprintln(s.cfg.Stdout, v.Type())
	return nil
}

func (s *Shell) cmdLoad(ctx context.Context, arg string) error {
	if arg == "" {
		return fmt.Errorf(":load FILE")
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return err
	}
	return s.RunScript(ctx, arg, string(b))
}

func (s *Shell) cmdSave(_ context.Context, arg string) error {
	if arg == "" {
		return fmt.Errorf(":save FILE")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// colash session, saved %s; replay it with: colash run %s\n\n", time.Now().Format("2006-01-02 15:04"), filepath.Base(arg))
	for _, in := range s.inputs {
		b.WriteString(in)
		b.WriteString("\n\n")
	}
	if err := os.WriteFile(arg, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(s.cfg.Stdout, "saved %d inputs to %s\n", len(s.inputs), arg)
	return nil
}

func (s *Shell) cmdReset(_ context.Context, _ string) error {
	if err := s.reset(); err != nil {
		return err
	}
	fmt.Fprintln(s.cfg.Stdout, "session reset")
	return nil
}

func (s *Shell) cmdStatus(_ context.Context, _ string) error {
	w := s.cfg.Stdout
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rows := [][]string{
		{"device", colash.Device()},
		{"threads", fmt.Sprint(colash.Threads())},
		{"memory (RSS)", rss()},
		{"Go heap", fmt.Sprintf("%.1f MiB", float64(ms.HeapAlloc)/(1<<20))},
		{"inputs", fmt.Sprint(len(s.inputs))},
		{"uptime", time.Since(s.started).Round(time.Second).String()},
	}
	ms2 := colash.Models()
	if len(ms2) == 0 {
		rows = append(rows, []string{"models", "none loaded"})
	}
	for _, m := range ms2 {
		rows = append(rows, []string{"model", m.String()})
	}
	fmt.Fprintln(w, colash.Table(rows).String())
	return nil
}

// rss is the process's resident memory, from /proc (Linux).
func rss() string {
	kb, err := mem.ResidentKB()
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}
