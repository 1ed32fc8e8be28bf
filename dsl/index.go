package dsl

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"
)

// yaegi v0.16.1 gives variables defined at the top level (x := ..., in the shell and in cells)
// their types before it runs anything, and it cannot type an index into a value whose type comes
// from compiled code: after x := m.Tokenize("hi") (a method of the colash API) or
// x := strings.Fields(s), the input v := x[0] fails with "constant definition loop" (and
// v := x[0] + x[1] with a panic of its compiler). It can type a conversion, so
// v := ([]int)(x)[0], which reads the same element, compiles.
//
// convertIndexed rewrites src so: in the right-hand sides of top-level definitions (x := ...),
// the operand of each index expression that is a name, a selector chain, or a call
// of either gets converted to its type, found by evaluating the operand (a call's function, not
// the call: nothing with side effects runs). It returns false when it changed nothing: an operand
// defined in src itself is not known yet, and types that a script cannot name (unexported ones)
// are left as they are.
func (in *Interp) convertIndexed(src string) (string, bool) {
	const head = "package p\nfunc _() {\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", head+src+"\n}", 0)
	if err != nil || len(f.Decls) != 1 {
		return src, false
	}
	fn, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fn.Body == nil {
		return src, false
	}
	base := fset.File(f.Pos()).Base() + len(head) // token.Pos of src[0]
	text := func(n ast.Node) string { return src[int(n.Pos())-base : int(n.End())-base] }
	type edit struct {
		start, end int
		typ        string
	}
	var edits []edit
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		ix, ok := n.(*ast.IndexExpr)
		if !ok {
			return true
		}
		if t := in.operandType(ix.X, text); t != "" {
			edits = append(edits, edit{int(ix.X.Pos()) - base, int(ix.X.End()) - base, t})
			return false // the conversion types the whole expression
		}
		return true
	}
	for _, st := range fn.Body.List {
		if as, ok := st.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, r := range as.Rhs {
				ast.Inspect(r, visit)
			}
		}
	}
	if len(edits) == 0 {
		return src, false
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		src = src[:e.start] + "(" + e.typ + ")(" + src[e.start:e.end] + ")" + src[e.end:]
	}
	return src, true
}

// operandType spells, as a type literal, the type of x, an index expression's operand, when x
// is a name or selector chain (evaluated) or a call of one (its function evaluated, its one
// result's type taken) and holds a slice, array or map; "" otherwise. A named type (colash.Predictions,
// http.Header) is spelled as its underlying literal ([]colash.Prediction): a conversion to the
// named type would leave the interpreter as unable to index it as before.
func (in *Interp) operandType(x ast.Expr, text func(ast.Node) string) string {
	var t reflect.Type
	switch e := x.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		if !isPure(e) {
			return ""
		}
		v, err := in.yi.Eval(text(e))
		if err != nil || !v.IsValid() {
			return ""
		}
		t = v.Type()
	case *ast.CallExpr:
		if !isPure(e.Fun) {
			return ""
		}
		v, err := in.yi.Eval(text(e.Fun))
		if err != nil || !v.IsValid() || v.Kind() != reflect.Func || v.Type().NumOut() != 1 {
			return ""
		}
		t = v.Type().Out(0)
	default:
		return ""
	}
	return literal(t)
}

// literal spells a slice, array, pointer to array or map type as a type literal whose element
// (and key) types a script can name; "" for anything else.
func literal(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		if e := spell(t.Elem()); e != "" {
			return "[]" + e
		}
	case reflect.Array:
		if e := spell(t.Elem()); e != "" {
			return fmt.Sprintf("[%d]%s", t.Len(), e)
		}
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Array && t.Elem().Name() == "" {
			if a := literal(t.Elem()); a != "" {
				return "*" + a
			}
		}
	case reflect.Map:
		if k, e := spell(t.Key()), spell(t.Elem()); k != "" && e != "" {
			return "map[" + k + "]" + e
		}
	}
	return ""
}

// spell is t as a script writes it, when it can: a predeclared type, a named type exported by a
// package (under the package's name), or a slice, array, pointer or map of those; "" otherwise
// (funcs, structs, interfaces and channels spelled out, unexported or generic types).
func spell(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" || (ast.IsExported(t.Name()) && !strings.ContainsAny(t.String(), " [")) {
			return t.String()
		}
		return ""
	}
	if t.Kind() == reflect.Pointer {
		if e := spell(t.Elem()); e != "" {
			return "*" + e
		}
		return ""
	}
	return literal(t)
}
