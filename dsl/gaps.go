package dsl

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
)

// Known gaps of yaegi v0.16.1, and what to write instead. hint looks at an error (or a panic
// of the interpreter) and at the source that caused it.

var (
	reUndefMinMax = regexp.MustCompile(`undefined: (min|max|clear)\b`)
	reGenericPkg  = regexp.MustCompile(`\b(slices|maps|cmp)\.([A-Z]\w*)|undefined: (slices|maps|cmp)\b|package (slices|maps|cmp)`)
)

func hint(msg, src string) string {
	if m := reUndefMinMax.FindStringSubmatch(msg); m != nil {
		switch m[1] {
		case "clear":
			return "the built-in clear is missing from the interpreter: make a new map or slice instead (m = map[K]V{})"
		}
		return "the built-ins min and max are missing from the interpreter: use colash.Min/colash.Max for ints, colash.MinF/colash.MaxF for float64s"
	}
	if strings.Contains(src, "slices.") || strings.Contains(src, "maps.") || strings.Contains(src, "cmp.") {
		if reGenericPkg.MatchString(msg) || strings.Contains(msg, "undefined") || strings.Contains(msg, "import") {
			return "slices, maps and cmp are generic packages, which the interpreter cannot call: use colash.SortInts/SortFloats/SortStrings, sort.Slice, or a loop"
		}
	}
	if k := rangeKind(src); k != "" {
		switch k {
		case "int":
			return "the interpreter cannot range over an integer (Go 1.22): write `for i := 0; i < n; i++` or `for _, i := range colash.Range(n)`"
		case "func":
			return "the interpreter cannot range over a function (Go 1.23 iterators): call the function with a yield callback, or collect the values into a slice first"
		}
	}
	if strings.Contains(msg, "definition loop") {
		return "the interpreter cannot type this definition at the top level (v := s[i] of a string s, var v = x[0], ...): index a conversion (v := []byte(s)[i]), write v := ... instead of var, or do it inside a function"
	}
	if strings.Contains(msg, "generic") || strings.Contains(msg, "type parameter") {
		return "generic functions of compiled packages cannot be called from the interpreter; write the loop out or use a colash helper"
	}
	return ""
}

// rangeKind finds, in src, a range statement over something that is not a slice, map, string or
// channel: "int" for an integer (a literal, len(...), or an int variable declared in src),
// "func" for a function literal or a function-typed value declared in src; "" if none is seen.
func rangeKind(src string) string {
	if !strings.Contains(src, "range") {
		return ""
	}
	fset := token.NewFileSet()
	var root ast.Node
	if f, err := parser.ParseFile(fset, "", src, 0); err == nil {
		root = f
	} else if f, err := parser.ParseFile(fset, "", "package p\nfunc _() {\n"+src+"\n}", 0); err == nil {
		root = f
	} else {
		return ""
	}
	ints := map[string]bool{}
	funcs := map[string]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		switch d := n.(type) {
		case *ast.AssignStmt:
			if d.Tok == token.DEFINE && len(d.Lhs) == len(d.Rhs) {
				for i, l := range d.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						switch kindOf(d.Rhs[i], ints, funcs) {
						case "int":
							ints[id.Name] = true
						case "func":
							funcs[id.Name] = true
						}
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range d.Names {
				if t, ok := d.Type.(*ast.Ident); ok && isIntType(t.Name) {
					ints[id.Name] = true
				} else if _, ok := d.Type.(*ast.FuncType); ok {
					funcs[id.Name] = true
				} else if i < len(d.Values) && kindOf(d.Values[i], ints, funcs) != "" {
					if kindOf(d.Values[i], ints, funcs) == "int" {
						ints[id.Name] = true
					} else {
						funcs[id.Name] = true
					}
				}
			}
		case *ast.FuncDecl:
			funcs[d.Name.Name] = d.Type.Results == nil && d.Type.Params != nil && len(d.Type.Params.List) == 1 && isYield(d.Type.Params.List[0].Type)
		}
		return true
	})
	kind := ""
	ast.Inspect(root, func(n ast.Node) bool {
		if r, ok := n.(*ast.RangeStmt); ok && kind == "" {
			kind = kindOf(r.X, ints, funcs)
		}
		return kind == ""
	})
	return kind
}

func isYield(t ast.Expr) bool {
	ft, ok := t.(*ast.FuncType)
	return ok && ft.Results != nil && len(ft.Results.List) == 1
}

func isIntType(s string) bool {
	switch s {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
		return true
	}
	return false
}

// kindOf guesses whether e is an integer or a function value ("" when it cannot tell).
func kindOf(e ast.Expr, ints, funcs map[string]bool) string {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.INT {
			return "int"
		}
	case *ast.Ident:
		if ints[x.Name] {
			return "int"
		}
		if funcs[x.Name] {
			return "func"
		}
	case *ast.ParenExpr:
		return kindOf(x.X, ints, funcs)
	case *ast.BinaryExpr:
		if a, b := kindOf(x.X, ints, funcs), kindOf(x.Y, ints, funcs); a == "int" || b == "int" {
			return "int"
		}
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap" || isIntType(id.Name)) {
			return "int"
		}
		if id, ok := x.Fun.(*ast.Ident); ok && funcs[id.Name] {
			return "" // calling a function may return anything
		}
	case *ast.FuncLit:
		if x.Type.Params != nil && len(x.Type.Params.List) == 1 && isYield(x.Type.Params.List[0].Type) {
			return "func"
		}
	}
	return ""
}

// stripComments drops leading // and /* */ comments and blank lines, to see how src starts.
func stripComments(src string) string {
	s := strings.TrimSpace(src)
	for {
		switch {
		case strings.HasPrefix(s, "//"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = strings.TrimSpace(s[i+1:])
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = strings.TrimSpace(s[i+2:])
		default:
			return s
		}
	}
}
