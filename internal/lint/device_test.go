package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"colash/internal/testenv"
)

// hostOnly are expressions that put a tensor on the CPU whatever the model's device: in the
// engine they are bugs (a GPU run fails at the first mixed op), except at the explicit points
// below where data is meant to live on the host.
var hostOnly = map[string]bool{
	"gotch.CPU":      true, // a literal device
	"ts.OfSlice":     true, // these make a CPU tensor from a Go slice; tensor.From* take a device
	"ts.MustOfSlice": true,
}

// hostTransfers are the functions allowed to name the CPU, as "path:function".
var hostTransfers = map[string]string{
	"stdlib/torch/torch.go:init": "the session's default device before any flag sets one",
}

// TestNoLiteralDevices scans engine/ and stdlib/torch for tensors made on a literal device.
func TestNoLiteralDevices(t *testing.T) {
	root := testenv.Root(t)
	var bad []string
	used := map[string]bool{}
	for _, dir := range []string{"engine", "stdlib/torch"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fn, _ := decl.(*ast.FuncDecl)
				name := "package scope"
				if fn != nil {
					name = fn.Name.Name
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					sel, ok := n.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					pkg, ok := sel.X.(*ast.Ident)
					if !ok || !hostOnly[pkg.Name+"."+sel.Sel.Name] {
						return true
					}
					key := rel + ":" + name
					if _, ok := hostTransfers[key]; ok {
						used[key] = true
						return true
					}
					bad = append(bad, fset.Position(sel.Pos()).String()+" in "+name+": "+pkg.Name+"."+sel.Sel.Name)
					return true
				})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: make tensors on the model's device (m.Device, actor.Device(), tensor.From*(..., dev))", b)
	}
	for key, why := range hostTransfers {
		if !used[key] {
			t.Errorf("allow-list entry %s (%s) matches nothing: remove it", key, why)
		}
	}
}
