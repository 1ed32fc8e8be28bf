package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"
)

// Helpers over the syntax tree for the keep-alive analysis.

// inScopeAfter reports whether the variable o names is still in scope right after stmt: it is a
// parameter, receiver, result or package-level name, or a local declared in a block around stmt
// (not in stmt's own header).
func inScopeAfter(o *ast.Ident, stmt ast.Stmt, parent map[ast.Node]ast.Node) bool {
	if o.Obj == nil {
		return true // declared outside this file's functions
	}
	var decl ast.Node
	switch d := o.Obj.Decl.(type) {
	case *ast.Field:
		return true
	case *ast.AssignStmt:
		decl = d
	case *ast.ValueSpec:
		decl = parent[parent[d]] // ValueSpec < GenDecl < DeclStmt
	}
	if decl == nil || parent[decl] == nil {
		return true // declared outside this body: package level
	}
	switch scope := parent[decl]; scope.(type) {
	case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
		return within(stmt, scope)
	default: // declared in an if, for or switch header: in scope only inside that statement
		return scope != ast.Node(stmt) && within(stmt, scope)
	}
}

// isLibCall reports whether e is a call of a libtch function (lib.At..., lib.Atg..., lib.Ato...)
// other than one that frees a handle: after lib.AtFree(t.ctensor) nothing may use t's handle, so
// there is nothing to keep alive for.
func isLibCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "lib" && strings.HasPrefix(sel.Sel.Name, "At") && !strings.HasSuffix(sel.Sel.Name, "Free")
}

// keptAlive returns x for the call runtime.KeepAlive(x), else "".
func keptAlive(e ast.Expr) string {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return ""
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "KeepAlive" {
		return ""
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "runtime" {
		return ""
	}
	if id, ok := call.Args[0].(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// rootIdent returns the variable at the root of x, x.f, x[i], *x, (x), x.(T), or nil.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.TypeAssertExpr:
			e = x.X
		default:
			return nil
		}
	}
}

func within(n, outer ast.Node) bool {
	return outer != nil && n.Pos() >= outer.Pos() && n.End() <= outer.End()
}

// enclosingStmt returns the statement around n that is an element of a statement list, and
// that list.
func enclosingStmt(n ast.Node, parent map[ast.Node]ast.Node) (ast.Stmt, []ast.Stmt) {
	for ; n != nil; n = parent[n] {
		s, ok := n.(ast.Stmt)
		if !ok {
			continue
		}
		var list []ast.Stmt
		switch p := parent[n].(type) {
		case *ast.BlockStmt:
			list = p.List
		case *ast.CaseClause:
			list = p.Body
		case *ast.CommClause:
			list = p.Body
		default:
			continue
		}
		if slices.Contains(list, s) {
			return s, list
		}
	}
	return nil, nil
}

// lineIndent returns the white space that starts the line holding offset off.
func lineIndent(src []byte, off int) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

func importsRuntime(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Path.Value == `"runtime"` {
			return imp.Name == nil
		}
	}
	return false
}

// importEdit adds "runtime" to the first parenthesized import declaration, or a new import after
// the last one.
func importEdit(fset *token.FileSet, f *ast.File) (edit, error) {
	var last *ast.GenDecl
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		if g.Lparen.IsValid() {
			return edit{fset.Position(g.Lparen).Offset + 1, "\n\t\"runtime\""}, nil
		}
		last = g
	}
	if last == nil {
		return edit{}, fmt.Errorf("no import declaration")
	}
	return edit{fset.Position(last.End()).Offset, "\nimport \"runtime\""}, nil
}

// appendNew appends the variables of ids that list does not hold yet.
func appendNew(list []*ast.Ident, ids ...*ast.Ident) []*ast.Ident {
	for _, id := range ids {
		if !slices.ContainsFunc(list, func(l *ast.Ident) bool { return sameVar(l, id) }) {
			list = append(list, id)
		}
	}
	return list
}

func sameVar(a, b *ast.Ident) bool {
	if a.Obj != nil || b.Obj != nil {
		return a.Obj == b.Obj
	}
	return a.Name == b.Name
}
