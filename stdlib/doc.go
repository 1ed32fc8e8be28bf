package colash

import (
	"bytes"
	"embed"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"sort"
	"strings"
	"sync"
)

//go:embed colash.go load.go show.go prelude.go cola.go rl.go hooks.go steer.go search.go searchview.go display.go env.go eval.go recipe.go heatmap.go
var sources embed.FS

var (
	docOnce sync.Once
	docs    map[string]string
)

// Doc returns the documentation of a colash function, type or method ("Load", "Model.Generate",
// "Opts"), or "" if there is none.
func Doc(name string) string {
	docOnce.Do(loadDocs)
	name = strings.TrimPrefix(name, "colash.")
	if d, ok := docs[name]; ok {
		return d
	}
	// a method named without its type: "Generate"
	var hits []string
	for k := range docs {
		if i := strings.IndexByte(k, '.'); i >= 0 && k[i+1:] == name {
			hits = append(hits, docs[k])
		}
	}
	sort.Strings(hits)
	return strings.Join(hits, "\n")
}

// Names lists the documented names (functions, types and Type.Method).
func Names() []string {
	docOnce.Do(loadDocs)
	out := make([]string, 0, len(docs))
	for k := range docs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func loadDocs() {
	docs = map[string]string{}
	fset := token.NewFileSet()
	var files []*ast.File
	entries, _ := sources.ReadDir(".")
	for _, e := range entries {
		b, _ := sources.ReadFile(e.Name())
		f, err := parser.ParseFile(fset, e.Name(), b, parser.ParseComments)
		if err == nil {
			files = append(files, f)
		}
	}
	p, err := doc.NewFromFiles(fset, files, "colash")
	if err != nil {
		return
	}
	sig := func(decl ast.Node) string {
		var b bytes.Buffer
		switch d := decl.(type) {
		case *ast.FuncDecl:
			d2 := *d
			d2.Body, d2.Doc = nil, nil
			printer.Fprint(&b, fset, &d2)
		case *ast.GenDecl:
			d2 := *d
			d2.Doc = nil
			printer.Fprint(&b, fset, &d2)
		}
		return b.String()
	}
	add := func(name string, decl ast.Node, text string) {
		docs[name] = sig(decl) + "\n\n" + indent(strings.TrimSpace(text))
	}
	for _, f := range p.Funcs {
		add(f.Name, f.Decl, f.Doc)
	}
	for _, t := range p.Types {
		add(t.Name, t.Decl, t.Doc)
		for _, f := range t.Funcs {
			add(f.Name, f.Decl, f.Doc)
		}
		for _, f := range t.Methods {
			add(t.Name+"."+f.Name, f.Decl, f.Doc)
		}
	}
	for _, c := range p.Consts {
		for _, n := range c.Names {
			add(n, c.Decl, c.Doc)
		}
	}
}

func indent(s string) string {
	if s == "" {
		return "    (no documentation)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
