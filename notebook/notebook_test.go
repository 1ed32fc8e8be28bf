package notebook

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/internal/testenv"
)

const withOutputs = "# t\n\n```go\nfmt.Println(1)\n```\n<!-- output -->\n```output\nstale\n```\n![block 1](t_files/block1.png)\n<!-- end output -->\n\nprose\n```sh\nnot run\n```\n"

func TestParseDropsOldOutputsAndRendersBack(t *testing.T) {
	d, err := Parse(withOutputs)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []*Block
	for _, p := range d.Parts {
		if p.Block != nil {
			blocks = append(blocks, p.Block)
		}
	}
	if len(blocks) != 1 || blocks[0].Code != "fmt.Println(1)" || blocks[0].Line != 4 {
		t.Fatalf("blocks: %+v", blocks)
	}
	got := d.Render()
	if strings.Contains(got, "stale") || !strings.Contains(got, "```sh\nnot run\n```") || !strings.Contains(got, "prose") {
		t.Fatalf("render without outputs:\n%s", got)
	}
	blocks[0].Output = &Output{Text: "1\n", Images: []string{"t_files/block1.png"}}
	if got := d.Render(); got != strings.Replace(withOutputs, "stale", "1", 1) {
		t.Fatalf("render with outputs:\n%s", got)
	}
	if _, err := Parse("```go\nx := 1\n"); err == nil {
		t.Fatal("an unclosed block parsed")
	}
}

// A failing block stops the run with an error naming the document line, the block and the line
// in it; later blocks get no output. With KeepGoing they run.
func TestRunStopsAtFirstErrorNamingBlockAndLine(t *testing.T) {
	src := "```go\nx := 2\nx * 21\n```\n\n```go\ny := 1\nnotDefined + y\n```\n\n```go\nfmt.Println(\"after\")\n```\n"
	for _, keep := range []bool{false, true} {
		d, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		err = Run(context.Background(), d, "nb.md", filepath.Join(t.TempDir(), "nb.md"), Options{KeepGoing: keep})
		var be *BlockError
		if !errors.As(err, &be) || be.Block != 2 || be.BlockLine != 2 || be.Line != 8 {
			t.Fatalf("keep=%v: error %v (%+v)", keep, err, be)
		}
		if !strings.HasPrefix(err.Error(), "nb.md:8: block 2, line 2: undefined: notDefined") {
			t.Fatalf("error text %q", err)
		}
		out := d.Render()
		if !strings.Contains(out, "```output\n42\n```") {
			t.Fatalf("first block's value missing:\n%s", out)
		}
		if !strings.Contains(out, "error: block 2, line 2: undefined: notDefined") {
			t.Fatalf("error not written under its block:\n%s", out)
		}
		if strings.Contains(out, "```output\nafter\n") != keep {
			t.Fatalf("keep=%v: third block ran=%v:\n%s", keep, !keep, out)
		}
	}
}

// A panic in one block does not end the session: the next block sees earlier variables.
func TestPanicThenWorkingBlock(t *testing.T) {
	d, _ := Parse("```go\nv := 5\n```\n```go\npanic(\"boom\")\n```\n```go\nv + 1\n```\n")
	err := Run(context.Background(), d, "p.md", filepath.Join(t.TempDir(), "p.md"), Options{KeepGoing: true})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error %v", err)
	}
	if out := d.Render(); !strings.Contains(out, "```output\n6\n```") {
		t.Fatalf("block after the panic:\n%s", out)
	}
}

// The committed example notebooks are what `colash notebook run` writes for them, plots included:
// a stale output fails this test. Regenerate with colash notebook run examples/notebooks/X.md.
func TestExampleNotebooksAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example notebooks (about 20 s)")
	}
	dir := filepath.Join(testenv.Root(t), "examples", "notebooks")
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(mds) < 5 {
		t.Fatalf("example notebooks: %v", mds)
	}
	for _, md := range mds {
		name := filepath.Base(md)
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(md)
			if err != nil {
				t.Fatal(err)
			}
			tmp := filepath.Join(t.TempDir(), name) // run in place (relative paths), written here
			if err := RunFile(context.Background(), md, Options{Out: tmp}); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(tmp)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is stale: colash notebook run writes\n%s", name, got)
			}
			pngs, _ := filepath.Glob(filepath.Join(filepath.Dir(tmp), "*_files", "*.png"))
			for _, p := range pngs {
				rel, _ := filepath.Rel(filepath.Dir(tmp), p)
				committed, err := os.ReadFile(filepath.Join(dir, rel))
				if err != nil {
					t.Fatalf("plot %s is not committed: %v", rel, err)
				}
				fresh, _ := os.ReadFile(p)
				if d := pixelDiff(t, fresh, committed); d > 0.01 {
					t.Fatalf("plot %s is stale: %.1f%% of its pixels differ", rel, 100*d)
				}
			}
		})
	}
}

// pixelDiff is the fraction of pixels that differ between two PNGs of the same size: curves from
// libtorch runs on other thread counts may move by a rounding error, a stale plot by much more.
func pixelDiff(t *testing.T, a, b []byte) float64 {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r := ia.Bounds()
	if r != ib.Bounds() {
		return 1
	}
	diff := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				diff++
			}
		}
	}
	return float64(diff) / float64(r.Dx()*r.Dy())
}

// The committed .ipynb are what `colash notebook ipynb` writes for the .md beside them.
func TestExampleIPynbAreCurrent(t *testing.T) {
	mds, _ := filepath.Glob(filepath.Join(testenv.Root(t), "examples", "notebooks", "*.md"))
	for _, md := range mds {
		src, _ := os.ReadFile(md)
		d, err := Parse(string(src))
		if err != nil {
			t.Fatal(err)
		}
		want, err := d.IPynb()
		if err != nil {
			t.Fatal(err)
		}
		nb := strings.TrimSuffix(md, ".md") + ".ipynb"
		if got, err := os.ReadFile(nb); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale (%v): colash notebook ipynb %s", nb, err, filepath.Base(md))
		}
	}
}
