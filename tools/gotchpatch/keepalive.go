package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strings"
)

// stats counts, for one file, the functions that pass a Go object's handle to lib.At*, the
// keep-alives they have after patching, and how many of those this run added.
type stats struct{ funcs, keeps, added int }

func (s *stats) add(o stats) { s.funcs += o.funcs; s.keeps += o.keeps; s.added += o.added }

type edit struct {
	off  int
	text string
}

// keepAlive returns src with the keep-alives added.
func keepAlive(path string, src []byte) ([]byte, stats, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, stats{}, err
	}
	var edits []edit
	var st stats
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		e, keeps, err := patchFunc(fset, src, fd.Body)
		if err != nil {
			return nil, st, fmt.Errorf("%s: %s: %v", fset.Position(fd.Pos()), fd.Name.Name, err)
		}
		if keeps > 0 {
			st.funcs++
			st.keeps += keeps
			st.added += len(e)
		}
		edits = append(edits, e...)
	}
	if len(edits) == 0 {
		return src, st, nil
	}
	if !importsRuntime(f) {
		e, err := importEdit(fset, f)
		if err != nil {
			return nil, st, fmt.Errorf("%s: %v", path, err)
		}
		edits = append(edits, e)
	}
	// Apply from the end so offsets stay valid; edits at one offset keep their order.
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	res := slices.Clone(src)
	for i := 0; i < len(edits); {
		j := i
		var text strings.Builder
		for ; j < len(edits) && edits[j].off == edits[i].off; j++ {
			text.WriteString(edits[j].text)
		}
		res = slices.Insert(res, edits[i].off, []byte(text.String())...)
		i = j
	}
	if _, err := parser.ParseFile(token.NewFileSet(), path, res, parser.SkipObjectResolution); err != nil {
		return nil, st, fmt.Errorf("patched file does not parse: %v", err)
	}
	return res, st, nil
}

// patchFunc returns the edits that add the missing keep-alives to one function body, and how many
// keep-alives the body has once they are applied. Variables are told apart by the parser's
// object resolution, so two locals of one name in different blocks are different owners.
func patchFunc(fset *token.FileSet, src []byte, body *ast.BlockStmt) ([]edit, int, error) {
	parent := map[ast.Node]ast.Node{}
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			parent[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		return true
	})

	// owner returns the variable that keeps the Go object behind a handle expression alive: the
	// root of the selector chain, or for a range variable the owner of what it ranges over.
	var owner func(e ast.Expr) *ast.Ident
	owner = func(e ast.Expr) *ast.Ident {
		id := rootIdent(e)
		if id == nil || id.Obj == nil {
			return id
		}
		// The parser declares range variables in an assignment from "range X".
		if a, ok := id.Obj.Decl.(*ast.AssignStmt); ok && len(a.Rhs) == 1 {
			if u, ok := a.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.RANGE {
				return owner(u.X)
			}
		}
		return id
	}
	// handles returns the owners of the handles read in n, and of the locals read in n that were
	// assigned from handles.
	derived := map[*ast.Object][]*ast.Ident{}
	var unknown ast.Node // a handle read from something that is not a variable
	var handles func(n ast.Node) []*ast.Ident
	handles = func(n ast.Node) []*ast.Ident {
		var owners []*ast.Ident
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if n.Sel.Name == "ctensor" || n.Sel.Name == "cscalar" {
					if o := owner(n.X); o != nil {
						owners = appendNew(owners, o)
					} else if unknown == nil {
						unknown = n
					}
				}
				owners = appendNew(owners, handles(n.X)...) // not n.Sel: a field, not a variable
				return false
			case *ast.Ident:
				if n.Obj != nil {
					owners = appendNew(owners, derived[n.Obj]...)
				}
			}
			return true
		})
		return owners
	}
	// Locals assigned from handles, to a fixed point (ctensor := t.ctensor; ptr := &ctensor).
	for changed := true; changed; {
		changed = false
		ast.Inspect(body, func(n ast.Node) bool {
			var lhs, rhs []ast.Expr
			switch n := n.(type) {
			case *ast.AssignStmt:
				lhs, rhs = n.Lhs, n.Rhs
			case *ast.ValueSpec:
				for _, id := range n.Names {
					lhs = append(lhs, id)
				}
				rhs = n.Values
			default:
				return true
			}
			var owners []*ast.Ident
			for _, e := range rhs {
				if !isLibCall(e) { // a handle that libtorch returns belongs to no Go object yet
					owners = appendNew(owners, handles(e)...)
				}
			}
			for _, e := range lhs {
				if id, ok := e.(*ast.Ident); ok && id.Obj != nil {
					before := len(derived[id.Obj])
					derived[id.Obj] = appendNew(derived[id.Obj], owners...)
					changed = changed || len(derived[id.Obj]) != before
				}
			}
			return true
		})
	}

	// The statements that call lib.At*, with the owners of the handles the calls receive.
	type site struct {
		stmt   ast.Stmt
		list   []ast.Stmt // the statement list that holds stmt
		owners []*ast.Ident
	}
	var sites []*site
	bySite := map[ast.Stmt]*site{}
	var failed error
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !isLibCall(call) || failed != nil {
			return failed == nil
		}
		var owners []*ast.Ident
		for _, a := range call.Args {
			owners = appendNew(owners, handles(a)...)
		}
		if len(owners) == 0 {
			return true
		}
		stmt, list := enclosingStmt(call, parent)
		switch stmt.(type) {
		case nil:
			failed = fmt.Errorf("%s: lib call outside a statement list", fset.Position(call.Pos()))
		case *ast.DeferStmt, *ast.GoStmt:
			failed = fmt.Errorf("%s: deferred lib call: not supported", fset.Position(call.Pos()))
		}
		if failed != nil {
			return false
		}
		s := bySite[stmt]
		if s == nil {
			s = &site{stmt: stmt, list: list}
			bySite[stmt] = s
			sites = append(sites, s)
		}
		s.owners = appendNew(s.owners, owners...)
		return true
	})
	if failed != nil {
		return nil, 0, failed
	}
	if unknown != nil {
		return nil, 0, fmt.Errorf("%s: handle of a value that no variable holds: cannot keep it alive", fset.Position(unknown.Pos()))
	}

	var edits []edit
	keeps := 0
	for _, s := range sites {
		i := slices.Index(s.list, s.stmt)
		indent := lineIndent(src, fset.Position(s.stmt.Pos()).Offset)
		_, isReturn := s.stmt.(*ast.ReturnStmt)
		var have []string // keep-alives already there (a second run)
		if isReturn {     // deferred, just before the return
			for j := i - 1; j >= 0; j-- {
				d, ok := s.list[j].(*ast.DeferStmt)
				if !ok || keptAlive(d.Call) == "" {
					break
				}
				have = append(have, keptAlive(d.Call))
			}
		} else { // just after the statement
			for j := i + 1; j < len(s.list); j++ {
				e, ok := s.list[j].(*ast.ExprStmt)
				if !ok || keptAlive(e.X) == "" {
					break
				}
				have = append(have, keptAlive(e.X))
			}
		}
		for _, o := range s.owners {
			if !inScopeAfter(o, s.stmt, parent) {
				return nil, 0, fmt.Errorf("%s: %s is not in scope after the statement that calls lib", fset.Position(s.stmt.Pos()), o.Name)
			}
			keeps++
			if slices.Contains(have, o.Name) {
				continue
			}
			if isReturn {
				edits = append(edits, edit{fset.Position(s.stmt.Pos()).Offset, "defer runtime.KeepAlive(" + o.Name + ")\n" + indent})
			} else {
				edits = append(edits, edit{fset.Position(s.stmt.End()).Offset, "\n" + indent + "runtime.KeepAlive(" + o.Name + ")"})
			}
		}
	}
	return edits, keeps, nil
}
