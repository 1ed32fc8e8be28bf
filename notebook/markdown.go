// Package notebook runs markdown notebooks: the ```go blocks of a markdown file, in order, in
// one colash shell session, with each block's output written below it (text in a fenced block,
// plots as PNG files beside the document, linked), between two HTML comments that forges do not
// show. Running a notebook again replaces those outputs, so the file stays readable and diffable.
package notebook

import (
	"fmt"
	"strings"
)

// The comments around a block's output: what Parse strips and Render writes.
const (
	outputStart = "<!-- output -->"
	outputEnd   = "<!-- end output -->"
)

// Doc is a parsed markdown notebook: prose and code blocks in order.
type Doc struct {
	Parts []Part
}

// Part is prose (Block nil) or a ```go block.
type Part struct {
	Text  string // prose, verbatim, with its line ends
	Block *Block
}

// Block is one ```go block and, after a run, its output.
type Block struct {
	N      int    // 1-based, among the document's go blocks
	Line   int    // the line of its first code line in the source
	Fence  string // the opening fence line, kept as written
	Code   string // without the fences, lines joined by "\n"
	Output *Output
}

// Output is what a block printed and showed.
type Output struct {
	Text   string   // stdout, stderr, the value and any error, in order
	Images []string // links (relative to the document) of the PNGs it showed
}

// Parse splits src into prose and go blocks, dropping the outputs a previous run wrote.
func Parse(src string) (*Doc, error) {
	lines := strings.SplitAfter(src, "\n")
	d := &Doc{}
	var prose strings.Builder
	flush := func() {
		if prose.Len() > 0 {
			d.Parts = append(d.Parts, Part{Text: prose.String()})
			prose.Reset()
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		fence, lang := openFence(l)
		if fence == "" {
			prose.WriteString(l)
			continue
		}
		end := i + 1
		for end < len(lines) && !closesFence(lines[end], fence) {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("line %d: the code block opened here is never closed", i+1)
		}
		if lang != "go" {
			for ; i <= end; i++ {
				prose.WriteString(lines[i])
			}
			i = end
			continue
		}
		flush()
		code := strings.TrimSuffix(strings.Join(lines[i+1:end], ""), "\n")
		b := &Block{N: countBlocks(d) + 1, Line: i + 2, Fence: strings.TrimRight(l, "\r\n"), Code: code}
		d.Parts = append(d.Parts, Part{Block: b})
		i = end
		if next, ok := skipOutput(lines, end+1); ok {
			i = next - 1
		}
	}
	flush()
	return d, nil
}

// skipOutput finds a previous run's output after a block closed at from-1: blank lines then the
// output comments. It returns the line after the output.
func skipOutput(lines []string, from int) (int, bool) {
	i := from
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || strings.TrimSpace(lines[i]) != outputStart {
		return 0, false
	}
	for j := i + 1; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) == outputEnd {
			return j + 1, true
		}
	}
	return 0, false
}

func countBlocks(d *Doc) int {
	n := 0
	for _, p := range d.Parts {
		if p.Block != nil {
			n++
		}
	}
	return n
}

// openFence returns the fence (``` or longer, or ~~~) that opens a code block on l, and its
// language; "" when l opens none.
func openFence(l string) (fence, lang string) {
	t := strings.TrimRight(l, "\r\n")
	if strings.HasPrefix(t, "   ") && len(t) > 3 && t[3] == ' ' {
		return "", "" // indented: not a fence
	}
	t = strings.TrimLeft(t, " ")
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(t) && t[n] == c {
			n++
		}
		if n >= 3 {
			info := strings.Fields(t[n:])
			if len(info) > 0 {
				lang = info[0]
			}
			return t[:n], lang
		}
	}
	return "", ""
}

func closesFence(l, fence string) bool {
	t := strings.TrimSpace(l)
	return strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == ""
}

// Render writes the document back: prose as it was, each block with its output below.
func (d *Doc) Render() string {
	var b strings.Builder
	for _, p := range d.Parts {
		if p.Block == nil {
			b.WriteString(p.Text)
			continue
		}
		blk := p.Block
		fmt.Fprintf(&b, "%s\n%s\n%s\n", blk.Fence, blk.Code, closingFence(blk.Fence))
		if o := blk.Output; o != nil && (o.Text != "" || len(o.Images) > 0) {
			b.WriteString(outputStart + "\n")
			if o.Text != "" {
				f := fenceFor(o.Text)
				fmt.Fprintf(&b, "%soutput\n%s\n%s\n", f, strings.TrimSuffix(o.Text, "\n"), f)
			}
			for _, img := range o.Images {
				fmt.Fprintf(&b, "![block %d](%s)\n", blk.N, img)
			}
			b.WriteString(outputEnd + "\n")
		}
	}
	return b.String()
}

func closingFence(open string) string {
	t := strings.TrimLeft(open, " ")
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	return t[:n]
}

// fenceFor is a backtick fence longer than any run of backticks in text.
func fenceFor(text string) string {
	longest, run := 0, 0
	for _, c := range text {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
