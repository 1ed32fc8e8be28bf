package dsl

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"reflect"
	"strings"
)

// What the shell prints after an input: the value of an expression that has one, as the Go
// playground would show it, and the names an input defines.

// shouldPrint: an input that is one expression prints its value, except calls of functions
// with no results or with (int, error) results, such as fmt.Println.
func (s *Shell) shouldPrint(ctx context.Context, src string) bool {
	e, err := parser.ParseExpr(src)
	if err != nil {
		return false
	}
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return true
	}
	if !isPure(call.Fun) {
		return true
	}
	if id, ok := call.Fun.(*ast.Ident); ok && isBuiltinNoValue(id.Name) {
		return false
	}
	fv, err := s.in.Eval(ctx, "", src[call.Fun.Pos()-1:call.Fun.End()-1])
	if err != nil || !fv.IsValid() || fv.Kind() != reflect.Func {
		return true
	}
	t := fv.Type()
	if t.NumOut() == 0 {
		return false
	}
	errT := reflect.TypeOf((*error)(nil)).Elem()
	return !(t.NumOut() == 2 && t.Out(0).Kind() == reflect.Int && t.Out(1) == errT)
}

// evalShown runs src and says whether the shell shows its value: src is an expression that
// shouldPrint lets through, or statements whose last is one (a := 3; a + 1), judged once the
// statements before it have run.
func (s *Shell) evalShown(ctx context.Context, src string) (reflect.Value, bool, error) {
	print := s.shouldPrint(ctx, src)
	last := ""
	if !print {
		last = lastExpr(src)
	}
	v, err := s.in.Eval(ctx, "", src)
	if err != nil {
		return reflect.Value{}, false, err
	}
	if last != "" {
		print = s.shouldPrint(ctx, last)
	}
	return v, print, nil
}

// lastExpr is the source of the last statement of src when src is several statements and that
// one is an expression; "" otherwise.
func lastExpr(src string) string {
	if _, err := parser.ParseExpr(src); err == nil {
		return ""
	}
	const head = "package p\nfunc _() {\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", head+src+"\n}", 0)
	if err != nil || len(f.Decls) != 1 {
		return ""
	}
	fn, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fn.Body == nil || len(fn.Body.List) < 2 {
		return ""
	}
	e, ok := fn.Body.List[len(fn.Body.List)-1].(*ast.ExprStmt)
	if !ok {
		return ""
	}
	base := fset.File(f.Pos()).Base() + len(head)
	return src[int(e.X.Pos())-base : int(e.X.End())-base]
}

func isBuiltinNoValue(n string) bool {
	switch n {
	case "print", "println", "panic", "close", "delete", "copy", "clear":
		return n != "copy"
	}
	return false
}

// isPure reports whether e is an identifier or a chain of selectors on one: evaluating it
// has no side effects.
func isPure(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return isPure(x.X)
	}
	return false
}

// FormatValue prints a result the way the shell shows it: Stringers and errors by their text,
// strings quoted (unless they hold several lines), anything else with %v, cut at 4000 bytes.
func FormatValue(v reflect.Value) string {
	var out string
	if v.CanInterface() {
		switch x := v.Interface().(type) {
		case error:
			out = x.Error()
		case fmt.Stringer:
			if v.Kind() == reflect.Pointer && v.IsNil() {
				out = "nil"
			} else {
				out = x.String()
			}
		case string:
			if strings.Contains(x, "\n") {
				out = x
			} else {
				out = fmt.Sprintf("%q", x)
			}
		default:
			out = fmt.Sprintf("%v", x)
		}
	} else {
		out = v.String()
	}
	const limit = 4000
	if len(out) > limit {
		out = out[:limit] + fmt.Sprintf(" … (%d more bytes)", len(out)-limit)
	}
	return out
}

// definedNames lists the names an input declares at its top level: x := ..., var, const, type, func.
func definedNames(src string) []string {
	var fs token.FileSet
	var sc scanner.Scanner
	sc.Init(fs.AddFile("", -1, len(src)), []byte(src), nil, 0)
	var names, pending []string
	depth := 0
	prev := token.ILLEGAL
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LBRACE, token.LPAREN, token.LBRACK:
			depth++
		case token.RBRACE, token.RPAREN, token.RBRACK:
			depth--
		}
		switch {
		case tok == token.IDENT && (prev == token.VAR || prev == token.CONST || prev == token.TYPE || prev == token.FUNC):
			names = append(names, lit)
		case tok == token.IDENT && depth == 0 && (prev == token.ILLEGAL || prev == token.SEMICOLON || prev == token.COMMA):
			pending = append(pending, lit)
		case tok == token.DEFINE && depth == 0:
			names = append(names, pending...)
			pending = nil
		case tok == token.COMMA && depth == 0:
		default:
			pending = nil
		}
		prev = tok
	}
	return names
}
