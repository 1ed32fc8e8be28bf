package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"colash/recipes"
)

// The documents these tests keep honest: the README and docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"../../README.md"}, files...)
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A mention is one colash command line in a document.
type mention struct {
	file string
	line int
	text string
}

var (
	inlineCode = regexp.MustCompile("`([^`\n]+)`")
	// a command line starts with colash (or ./colash), after environment assignments
	leadingEnv = regexp.MustCompile(`^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:\./)?colash(?:\s|$)`)
)

// mentions finds the colash command lines of a markdown text: inline code that starts with
// colash, and lines of fenced code blocks that do (continuation lines joined, comments cut,
// commands joined by && or ; split).
func mentions(file, text string) []mention {
	var out []mention
	lines := strings.Split(text, "\n")
	fenced := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			n := i
			for strings.HasSuffix(strings.TrimSpace(l), `\`) && i+1 < len(lines) {
				i++
				l = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), `\`)) + " " + strings.TrimSpace(lines[i])
			}
			if k := strings.Index(l, " #"); k >= 0 {
				l = l[:k]
			}
			for _, part := range regexp.MustCompile(`\s*(?:&&|;|\|\||\s\|\s|\bdo\b|\bthen\b)\s*`).Split(l, -1) {
				part = strings.TrimSpace(part)
				if leadingEnv.MatchString(part) {
					out = append(out, mention{file, n + 1, part})
				}
			}
			continue
		}
		for _, m := range inlineCode.FindAllStringSubmatch(l, -1) {
			if leadingEnv.MatchString(m[1]) {
				out = append(out, mention{file, i + 1, m[1]})
			}
		}
	}
	return out
}

// words splits a command line into words, without quotes and brackets; a quoted string is one word.
func words(s string) []string {
	s = strings.ReplaceAll(s, `\|`, "|")
	var out []string
	var cur strings.Builder
	quote := rune(0)
	flush := func() {
		if w := strings.Trim(cur.String(), "[](),"); w != "" {
			out = append(out, w)
		}
		cur.Reset()
	}
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
			cur.WriteString("QUOTED")
		case quote != 0:
		case r == '\'' || r == '"':
			quote = r
		case unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

var (
	flagWord    = regexp.MustCompile(`^--?([a-z][a-z0-9-]*)(=.*)?$`)
	subWord     = regexp.MustCompile(`^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$`)
	helpFlagRow = regexp.MustCompile(`(?m)^\s+-([A-Za-z0-9][\w.-]*)`)
)

// flagsOf is the set of flags `colash ARGS --help` lists.
func flagsOf(t *testing.T, args []string) (map[string]bool, error) {
	out, err := helpOutput(t, args...)
	if err != nil {
		return nil, fmt.Errorf("colash %s --help: %v\n%s", strings.Join(args, " "), err, out)
	}
	set := map[string]bool{"h": true, "help": true}
	for _, m := range helpFlagRow.FindAllStringSubmatch(out, -1) {
		set[m[1]] = true
	}
	return set, nil
}

// checkCommandLine checks one colash command line (the words after "colash"): the command and
// subcommand exist in the command table, and every flag is one the command defines.
func checkCommandLine(t *testing.T, ws []string) []string {
	if len(ws) == 0 {
		return nil // the shell
	}
	if ws[0] == "-e" {
		ws = append([]string{"run"}, ws...)
	}
	if ws[0] == "help" {
		ws = ws[1:]
	}
	if len(ws) == 0 || isHelpFlag(ws[0]) || strings.HasPrefix(ws[0], "$") || strings.HasPrefix(ws[0], "...") {
		return nil
	}
	if !subWord.MatchString(ws[0]) {
		if strings.ToUpper(ws[0]) == ws[0] {
			return nil // a placeholder: COMMAND
		}
		return []string{fmt.Sprintf("%q is not a command", ws[0])}
	}
	var problems []string
	for _, name := range strings.Split(ws[0], "|") {
		c := commands[name]
		if c == nil {
			problems = append(problems, fmt.Sprintf("no command %q (colash --help lists them; a new one is registered with register)", name))
			continue
		}
		rest := ws[1:]
		// the subcommand, or its alternatives (stage1|bc)
		paths := [][]string{{name}}
		if len(rest) > 0 && subWord.MatchString(rest[0]) && len(c.subs()) > 0 {
			var subPaths [][]string
			for _, sub := range strings.Split(rest[0], "|") {
				if commands[name+" "+sub] != nil {
					subPaths = append(subPaths, []string{name, sub})
				} else if c.group {
					problems = append(problems, fmt.Sprintf("no subcommand %q of %s (colash %s --help lists them)", sub, name, name))
				}
			}
			if len(subPaths) > 0 {
				paths, rest = subPaths, rest[1:]
			}
		} else if c.group && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			if strings.ToUpper(rest[0]) == rest[0] {
				continue // colash train STAGE: a placeholder for any subcommand
			}
			paths = [][]string{{name, rest[0]}} // colash recipe FILE.toml: the file picks what runs
			rest = rest[1:]
		}
		for _, p := range paths {
			flags, err := flagsOf(t, p)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			for i, w := range rest {
				if w == "--" {
					if name == "launch" {
						problems = append(problems, checkCommandLine(t, rest[i+1:])...)
					}
					break
				}
				m := flagWord.FindStringSubmatch(w)
				if m == nil {
					continue
				}
				if !flags[m[1]] {
					problems = append(problems, fmt.Sprintf("colash %s has no flag -%s", strings.Join(p, " "), m[1]))
				}
			}
		}
	}
	return problems
}

// TestDocsNameRealCommandsAndFlags: every colash command line in README.md and docs/*.md names a
// command (and subcommand) of the command table and only flags that command defines, as
// `colash CMD [SUB] --help` lists them.
func TestDocsNameRealCommandsAndFlags(t *testing.T) {
	n := 0
	for _, f := range docFiles(t) {
		for _, m := range mentions(f, readDoc(t, f)) {
			n++
			ws := words(leadingEnv.ReplaceAllString(m.text, ""))
			for _, p := range checkCommandLine(t, ws) {
				t.Errorf("%s:%d: `%s`: %s", strings.TrimPrefix(m.file, "../../"), m.line, m.text, p)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d colash command lines found in the docs: is the parser broken?", n)
	}
}

// TestMentionParser pins what counts as a command line, and that a made-up command is caught.
func TestMentionParser(t *testing.T) {
	doc := "Run `colash frobnicate --x` or `colash train stage1\\|bc --model M`.\n```\n" +
		"OMP_NUM_THREADS=1 ./colash bench --threads 1 \\\n  --run x   # comment\ncolash sample --out a && colash launch -n 2 -- rl --out b\n```\n"
	var got []string
	for _, m := range mentions("x.md", doc) {
		got = append(got, fmt.Sprintf("%d:%s", m.line, m.text))
	}
	want := []string{"1:colash frobnicate --x", "1:colash train stage1\\|bc --model M",
		"3:OMP_NUM_THREADS=1 ./colash bench --threads 1 --run x", "5:colash sample --out a", "5:colash launch -n 2 -- rl --out b"}
	if !slices.Equal(got, want) {
		t.Errorf("mentions:\n got %q\nwant %q", got, want)
	}
	if p := checkCommandLine(t, words("frobnicate --x")); len(p) == 0 {
		t.Error("colash frobnicate passed the check")
	}
	if p := checkCommandLine(t, words("train stage1|bc --model M --frob")); len(p) != 2 {
		t.Errorf("train stage1|bc --frob: %q", p)
	}
	if p := checkCommandLine(t, words("launch -n 2 -- qnet collect --frob")); len(p) != 1 {
		t.Errorf("launch -- qnet collect --frob: %q", p)
	}
	if p := checkCommandLine(t, words("qnet frob")); len(p) != 1 {
		t.Errorf("qnet frob: %q", p)
	}
}

// TestEveryCommandIsDocumented: the README's command table names every command, and
// docs/recipes.md's table of stage kinds every kind a recipe can run.
func TestEveryCommandIsDocumented(t *testing.T) {
	readme := readDoc(t, "../../README.md")
	for _, name := range commandNames() {
		if !strings.Contains(readme, "`colash "+strings.Fields(name)[0]) {
			t.Errorf("README.md does not mention colash %s", name)
		}
	}
	doc := readDoc(t, "../../docs/recipes.md")
	for _, k := range recipes.Kinds {
		if !strings.Contains(doc, "| `"+k+"` |") {
			t.Errorf("docs/recipes.md does not describe the stage kind %s", k)
		}
	}
}

var (
	mdLink  = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)
)

// anchor is the anchor GitHub gives a heading.
func anchor(h string) string {
	h = strings.ToLower(strings.ReplaceAll(h, "`", ""))
	var b strings.Builder
	for _, r := range h {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func anchors(text string) map[string]bool {
	set := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(text, -1) {
		set[anchor(m[1])] = true
	}
	return set
}

// TestDocLinksResolve: every relative link of README.md and docs/*.md names a file of the
// repository, and an anchor a heading of that file.
func TestDocLinksResolve(t *testing.T) {
	for _, f := range docFiles(t) {
		text := readDoc(t, f)
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			full := f
			if path != "" {
				full = filepath.Join(filepath.Dir(f), path)
			}
			if _, err := os.Stat(full); err != nil {
				t.Errorf("%s: link %s: %v", strings.TrimPrefix(f, "../../"), target, err)
				continue
			}
			if frag != "" && strings.HasSuffix(full, ".md") && !anchors(readDoc(t, full))[frag] {
				t.Errorf("%s: link %s: no heading with that anchor in %s", strings.TrimPrefix(f, "../../"), target, path)
			}
		}
	}
}

// TestDocsPointInsideTheRepo: documents name no file outside the repository without saying what
// it is (the paper summary is docs/paper.md; ../shared is explained in docs/glossary.md).
func TestDocsPointInsideTheRepo(t *testing.T) {
	banned := []string{"cola-paper.md", "paper digest", "the digest", "the issue's", "before this change", "shared/docs/"}
	for _, f := range docFiles(t) {
		for i, l := range strings.Split(readDoc(t, f), "\n") {
			for _, b := range banned {
				if strings.Contains(strings.ToLower(l), b) {
					t.Errorf("%s:%d: %q points outside the repository: %s", strings.TrimPrefix(f, "../../"), i+1, b, l)
				}
			}
		}
	}
}

// sectionOrder are the headings a document that makes claims has, in this order.
var sectionOrder = []string{"## Measured", "## What the code does", "## Designed, not built"}

// TestDocsSayWhatIsMeasuredDoneAndDesigned: every document but the glossary and the paper
// summary has the three sections, in order; a section with figures carries the command (or a
// link to the place) that produced them.
func TestDocsSayWhatIsMeasuredDoneAndDesigned(t *testing.T) {
	for _, f := range docFiles(t) {
		name := filepath.Base(f)
		if name == "glossary.md" || name == "paper.md" {
			continue
		}
		text := readDoc(t, f)
		last := -1
		for _, h := range sectionOrder {
			i := strings.Index(text, "\n"+h+"\n")
			if i < 0 {
				t.Errorf("%s: no %q section (every document but glossary.md and paper.md says, under these "+
					"headings and in this order, what is measured with its command, what the code does, and what is "+
					"designed but not built)", name, h)
				continue
			}
			if i < last {
				t.Errorf("%s: %q comes before the section it should follow", name, h)
			}
			last = i
		}
		checkFiguresHaveCommands(t, name, text)
	}
}

// figure matches the figures that need a source: ratios, speed-ups, rates, percentages.
var figure = regexp.MustCompile(`\b\d+(?:\.\d+)?(?:x|×)(?:\s|$|\W)|×\s?\d|\b\d+(?:\.\d+)? times\b|\d+(?:\.\d+)?%|tok/s|tokens/s|GB/s`)

// checkFiguresHaveCommands: each "##" or "###" section of the Measured part that states figures
// also shows a command (colash, go test, a script) or a link that says where they come from.
func checkFiguresHaveCommands(t *testing.T, name, text string) {
	start := strings.Index(text, "\n## Measured\n")
	end := strings.Index(text, "\n## What the code does\n")
	if start < 0 || end < start {
		return
	}
	sections := regexp.MustCompile(`\n#{2,3} `).Split(text[start:end], -1)
	for _, s := range sections {
		title := strings.SplitN(s, "\n", 2)[0]
		if !figure.MatchString(s) {
			continue
		}
		if !strings.Contains(s, "colash ") && !strings.Contains(s, "go test") && !mdLink.MatchString(s) && !strings.Contains(s, "```") {
			t.Errorf("%s: section %q states figures but no command or link to where they come from", name, title)
		}
	}
}
