package notebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"colash/dsl"
	"colash/model/atomic"
	colash "colash/stdlib"
)

// Options configure a run.
type Options struct {
	Out       string    // where the document is written ("": over the input)
	KeepGoing bool      // run every block even after one fails
	Progress  io.Writer // one line per block (nil: none)
}

// BlockError is a block that failed: the document's line, the block and the line in it.
type BlockError struct {
	File      string
	Line      int // in the document
	Block     int
	BlockLine int // in the block, from 1
	Err       error
}

func (e *BlockError) Error() string {
	return fmt.Sprintf("%s:%d: block %d, line %d: %v", e.File, e.Line, e.Block, e.BlockLine, e.Err)
}

func (e *BlockError) Unwrap() error { return e.Err }

// RunFile runs the notebook at path and writes it, with its outputs, to o.Out (plots into
// STEM_files/ beside it). Blocks run in the notebook's folder. It returns the first block's error (after writing the document).
func RunFile(ctx context.Context, path string, o Options) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := Parse(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	out := o.Out
	if out == "" {
		out = path
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return err
	}
	// blocks see paths relative to the notebook's folder, as a Jupyter kernel started for it does
	if dir := filepath.Dir(path); dir != "." {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if err := os.Chdir(dir); err != nil {
			return err
		}
		defer os.Chdir(wd)
	}
	runErr := Run(ctx, doc, path, out, o)
	if err := atomic.WriteFile(out, []byte(doc.Render())); err != nil {
		return err
	}
	return runErr
}

// noColor: a notebook's text never carries terminal colours (set once, for the process).
var noColor sync.Once

// Run runs the go blocks of doc in a fresh session, in order, setting their outputs. name is
// the document's name in errors; plots go to STEM_files/ beside out, linked relative to it.
// It stops at the first failing block (its output says why; later blocks get no output) unless
// o.KeepGoing, and returns the first error. Models it loads are freed at the end, so a notebook
// run in-process (tests) never sees another's trained weights.
func Run(ctx context.Context, doc *Doc, name, out string, o Options) error {
	noColor.Do(func() { lipgloss.SetColorProfile(termenv.Ascii) })
	log.SetOutput(io.Discard) // yaegi's internal failures are explained by the shell instead
	// os.Stdout and os.Stderr in blocks are the block's output, though it is not a file
	os.Setenv("YAEGI_SPECIAL_STDIO", "1")
	var buf bytes.Buffer
	sh, err := dsl.NewShell(dsl.Config{Stdout: &buf, Stderr: &buf, Args: []string{"colash"}})
	if err != nil {
		return err
	}
	defer freeNew(colash.Models())
	stem := strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	filesDir := stem + "_files"
	var first error
	for _, p := range doc.Parts {
		b := p.Block
		if b == nil {
			continue
		}
		b.Output = nil
		if first != nil && !o.KeepGoing {
			continue
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%s: block %d (line %d)\n", name, b.N, b.Line)
		}
		buf.Reset()
		v, shown, err := sh.Cell(ctx, fmt.Sprintf("block %d", b.N), b.Code)
		b.Output = &Output{}
		if shown {
			mime := dsl.MIME(v)
			writeLine(&buf, string(mime["text/plain"]))
			if png, ok := mime["image/png"]; ok {
				rel := filepath.ToSlash(filepath.Join(filesDir, fmt.Sprintf("block%d.png", b.N)))
				if werr := writePlot(filepath.Join(filepath.Dir(out), rel), png); werr != nil {
					return werr
				}
				b.Output.Images = append(b.Output.Images, rel)
			}
		}
		if err != nil {
			err = blockError(name, b, err)
			writeLine(&buf, "error: "+errText(err))
			if first == nil {
				first = err
			}
		}
		b.Output.Text = buf.String()
		if errors.Is(err, dsl.ErrInterrupted) {
			return err
		}
	}
	return first
}

func writeLine(w *bytes.Buffer, s string) {
	if w.Len() > 0 && !bytes.HasSuffix(w.Bytes(), []byte("\n")) {
		w.WriteByte('\n')
	}
	w.WriteString(strings.TrimSuffix(s, "\n"))
	w.WriteByte('\n')
}

// blockError places a cell's error in the document.
func blockError(name string, b *Block, err error) error {
	var se *dsl.ScriptError
	if errors.As(err, &se) {
		return &BlockError{File: name, Line: b.Line + se.Line - 1, Block: b.N, BlockLine: se.Line, Err: se.Err}
	}
	return &BlockError{File: name, Line: b.Line, Block: b.N, BlockLine: 1, Err: err}
}

// errText is the error as the output shows it: without the document's path, which depends on
// where the notebook was run from.
func errText(err error) string {
	var be *BlockError
	if errors.As(err, &be) {
		return fmt.Sprintf("block %d, line %d: %v", be.Block, be.BlockLine, be.Err)
	}
	return err.Error()
}

func writePlot(path string, png []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomic.WriteFile(path, png)
}

// freeNew frees the models loaded since before was listed.
func freeNew(before []*colash.Model) {
	old := map[*colash.Model]bool{}
	for _, m := range before {
		old[m] = true
	}
	for _, m := range colash.Models() {
		if !old[m] {
			m.Free()
		}
	}
}
