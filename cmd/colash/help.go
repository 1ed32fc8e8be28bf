package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// command is one entry of the command table: a command ("qnet") or a subcommand ("qnet
// collect"). The table is what dispatch, `--help` and the tests read: a command registered here
// gets `colash NAME --help` (usage, flags, example, exit status 0) without more code, and the
// tests check its help and every mention of it in README.md and docs/.
type command struct {
	name    string                    // "train" or "train stage1"
	summary string                    // one line
	run     func(args []string) error // nil: the parent's run, given the subcommand's name first
	usage   []string                  // synopsis lines, each a whole command line
	doc     string                    // paragraphs printed under the usage
	example []string                  // command lines printed under Example
	group   bool                      // the first argument names a subcommand
	extra   func(w io.Writer)         // more help after the flags (eval's search flags)
}

var commands = map[string]*command{}

// register adds a command, or with name "PARENT SUB" a subcommand, to the table. A subcommand
// whose run is nil is run by its parent's run, with SUB as its first argument.
func register(name, summary string, run func([]string) error) *command {
	c := &command{name: name, summary: summary, run: run}
	commands[name] = c
	return c
}

// withUsage sets the synopsis lines (default: "colash NAME [flags]").
func (c *command) withUsage(lines ...string) *command { c.usage = lines; return c }

// withDoc sets the paragraphs printed under the synopsis.
func (c *command) withDoc(doc string) *command { c.doc = strings.TrimSpace(doc); return c }

// withExample sets the example command lines.
func (c *command) withExample(lines ...string) *command { c.example = lines; return c }

// asGroup marks a command whose first argument names a subcommand: `colash NAME` and
// `colash NAME --help` list its subcommands.
func (c *command) asGroup() *command { c.group = true; return c }

// subs are the command's subcommands, sorted.
func (c *command) subs() []*command {
	var out []*command
	for name, s := range commands {
		if parent, _, ok := strings.Cut(name, " "); ok && parent == c.name {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// call runs the command with the arguments after its name.
func (c *command) call(args []string) error {
	if c.run != nil {
		return c.run(args)
	}
	parent, sub, _ := strings.Cut(c.name, " ")
	p := commands[parent]
	if p == nil || p.run == nil {
		return fmt.Errorf("colash %s: no command runs it", c.name)
	}
	return p.run(append([]string{sub}, args...))
}

// lookup finds the command args name: "PARENT SUB" before "PARENT". n is how many arguments
// the name took.
func lookup(args []string) (c *command, n int) {
	if len(args) >= 2 {
		if c := commands[args[0]+" "+args[1]]; c != nil {
			return c, 2
		}
	}
	if len(args) >= 1 {
		if c := commands[args[0]]; c != nil {
			return c, 1
		}
	}
	return nil, 0
}

// helpRequested is set when the command line asks for help (-h or --help before any "--"):
// help then goes to stdout and the command exits 0. helpShown is set once printHelp ran.
var helpRequested, helpShown bool

func isHelpFlag(a string) bool {
	return a == "-h" || a == "--h" || a == "-help" || a == "--help"
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// newFlags is a command's flag set. Parse returns flag.ErrHelp on -h/--help, which main turns
// into exit status 0, after the set's usage printed the command's help from the table: usage,
// description, subcommands, flags, example. A parse error prints the usage line alone.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		c := commands[name]
		if c == nil {
			c = &command{name: name}
		}
		if !helpRequested {
			w := fs.Output()
			for i, l := range c.synopsis() {
				fmt.Fprintf(w, "%s %s\n", map[bool]string{true: "Usage:", false: "      "}[i == 0], l)
			}
			fmt.Fprintf(w, "'colash %s --help' lists the flags.\n", name)
			return
		}
		printHelp(os.Stdout, c, fs)
	}
	return fs
}

// synopsis is the command's usage lines.
func (c *command) synopsis() []string {
	if len(c.usage) > 0 {
		return c.usage
	}
	if c.group {
		return []string{"colash " + c.name + " SUBCOMMAND [flags]"}
	}
	return []string{"colash " + c.name + " [flags]"}
}

// printHelp writes a command's help: usage, what it does, subcommands, flags (fs: nil for none),
// more sections, example.
func printHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	helpShown = true
	for i, l := range c.synopsis() {
		if i == 0 {
			fmt.Fprintf(w, "Usage: %s\n", l)
		} else {
			fmt.Fprintf(w, "       %s\n", l)
		}
	}
	if c.summary != "" {
		fmt.Fprintf(w, "\n%s\n", upperFirst(c.summary))
	}
	if c.doc != "" {
		fmt.Fprintf(w, "\n%s\n", c.doc)
	}
	if subs := c.subs(); len(subs) > 0 {
		fmt.Fprintf(w, "\nSubcommands:\n")
		for _, s := range subs {
			_, name, _ := strings.Cut(s.name, " ")
			fmt.Fprintf(w, "  %-10s %s\n", name, s.summary)
		}
		fmt.Fprintf(w, "'colash %s SUBCOMMAND --help' describes one.\n", c.name)
	}
	if fs != nil && hasFlags(fs) {
		fmt.Fprintf(w, "\nFlags:\n")
		old := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(old)
	}
	if c.extra != nil {
		c.extra(w)
	}
	if len(c.example) > 0 {
		fmt.Fprintf(w, "\nExample:\n%s", indent(c.example))
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func indent(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// topUsage lists the commands.
func topUsage(w io.Writer) {
	fmt.Fprintf(w, `colash: a research shell for CoLA (latent-action control of Llama models)

Usage: colash COMMAND [SUBCOMMAND] [flags]
       colash                 the interactive shell
       colash -e 'EXPR'       evaluate one expression

Commands:
`)
	var names []string
	for n := range commands {
		if !strings.Contains(n, " ") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-10s %s\n", n, c.summary)
		if subs := c.subs(); len(subs) > 0 {
			var ss []string
			for _, s := range subs {
				_, name, _ := strings.Cut(s.name, " ")
				ss = append(ss, name)
			}
			fmt.Fprintf(w, "  %-10s   subcommands: %s\n", "", strings.Join(ss, ", "))
		}
	}
	fmt.Fprintf(w, "\n'colash COMMAND --help' (or colash help COMMAND [SUBCOMMAND]) describes a command: usage, flags, an example.\n"+
		"README.md and docs/ describe the rest; docs/glossary.md explains the terms.\n")
}
