// Command gotchpatch rewrites the Go side of a gotch copy made by tools/make-gotch.sh:
//
//	go run ./tools/gotchpatch third_party/gotch
//
// Keep-alives. A gotch Tensor or Scalar is a Go object that holds a C handle (ctensor, cscalar)
// and has a finalizer that frees the handle. The wrappers in ts/*.go read the handle, then call
// into libtorch through package libtch (lib.At*); nothing uses the Go object after the handle has
// been read, so a garbage collection during the C call may finalize it and free the tensor that
// libtorch is still reading. After every statement that calls lib.At*, this adds
// runtime.KeepAlive(x) for each Go object whose handle the call receives: the receiver, tensor
// and scalar arguments, and the []*Tensor (or []NamedTensor...) lists whose handles were copied
// into a C array. (Before a return statement, where nothing can follow, it adds a deferred
// KeepAlive instead.) The analysis is syntactic: a handle is a selector ending in .ctensor or
// .cscalar, its owner is the variable at the root of the selector (a range variable stands for
// the list it ranges over), and a local assigned from handles (ctensors = append(ctensors,
// t.ctensor)) carries their owners to the call that receives it.
//
// Fixes. A few hand-written wrappers read a C int through an 8-byte Go int, taking 4 bytes of
// the stack as the high half: at_grad_set_enabled's result (so ts.MustGradSetEnabled returns
// garbage), at_device's and atc_cuda_device_count's. ts.NoGrad turns gradients back on instead of
// restoring the previous mode, not on a panic, and on whatever OS thread the goroutine has
// moved to (libtorch's grad mode is per thread). Each is replaced by a plain conversion or a
// correct version. The 260 generated in-place wrappers (Add_, MulScalar_...) replace the
// tensor's handle with the new one libtorch returns for the same tensor without freeing the old,
// which holds a reference, so the tensor's memory outlives Drop; the old handle is now freed.
//
// The program is idempotent (a second run changes nothing) and fails, changing nothing, when a
// pattern it expects is missing, so a new gotch version cannot pass through half patched.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gotchpatch GOTCH_COPY_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gotchpatch:", err)
		os.Exit(1)
	}
}

// run patches the copy in dir. Every file is patched in memory first and written only when all
// patches have succeeded.
func run(dir string) error {
	out := map[string][]byte{}
	read := func(path string) ([]byte, error) {
		if b, ok := out[path]; ok {
			return b, nil
		}
		return os.ReadFile(path)
	}

	files, err := filepath.Glob(filepath.Join(dir, "ts", "*.go"))
	if err != nil {
		return err
	}
	var total stats
	var lines []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		res, st, err := keepAlive(path, src)
		if err != nil {
			return err
		}
		if filepath.Base(path) == "tensor-generated.go" && st.funcs < 1000 {
			return fmt.Errorf("%s: only %d functions pass tensor handles to lib.At* (gotch v0.9.1 has ~2400): has the generated code's layout changed?", path, st.funcs)
		}
		if st.funcs > 0 {
			lines = append(lines, fmt.Sprintf("%s: %d functions, %d keep-alives (%d added)", filepath.Base(path), st.funcs, st.keeps, st.added))
		}
		total.add(st)
		if !bytes.Equal(res, src) {
			out[path] = res
		}
	}
	if total.funcs == 0 {
		return fmt.Errorf("no lib.At* calls taking tensor handles found in %s/ts", dir)
	}

	for _, fx := range fixes {
		path := filepath.Join(dir, fx.file)
		src, err := read(path)
		if err != nil {
			return err
		}
		res, err := fx.apply(src)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		if !bytes.Equal(res, src) {
			out[path] = res
		}
	}

	for _, path := range slices.Sorted(maps.Keys(out)) {
		if err := os.WriteFile(path, out[path], 0o644); err != nil {
			return err
		}
	}
	for _, l := range lines {
		fmt.Println("gotchpatch:", l)
	}
	fmt.Printf("gotchpatch: keep-alives in %d functions (%d added), %d fixes checked, %d files written\n",
		total.funcs, total.added, len(fixes), len(out))
	return nil
}

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

// A fix replaces an exact piece of a file: once, or at every occurrence (all). It is done when
// every occurrence of old lies inside an occurrence of new, and fails when the file holds
// neither, only some of the occurrences are done, or (without all) old is there more than once.
type fix struct {
	file, old, new string
	all            bool
}

func once(file, old, new string) fix       { return fix{file, old, new, false} }
func everywhere(file, old, new string) fix { return fix{file, old, new, true} }

func (f fix) apply(src []byte) ([]byte, error) {
	old, new := []byte(f.old), []byte(f.new)
	nOld, nNew := bytes.Count(src, old), bytes.Count(src, new)
	switch {
	case nNew == 0 && (nOld == 1 || f.all && nOld > 1):
		return bytes.ReplaceAll(src, old, new), nil
	case nNew > 0 && (nNew == 1 || f.all) && nOld == nNew*bytes.Count(new, old):
		return src, nil
	}
	return nil, fmt.Errorf("expected %s, found it %d times (and the replacement %d times):\n%s",
		map[bool]string{false: "once", true: "one or more times"}[f.all], nOld, nNew, f.old)
}

var fixes = []fix{
	once("libtch/tensor.go", `func AtGradSetEnabled(b int) int {
	cbool := *(*C.int)(unsafe.Pointer(&b))
	cretVal := C.at_grad_set_enabled(cbool)
	return *(*int)(unsafe.Pointer(&cretVal))
}`, `func AtGradSetEnabled(b int) int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.at_grad_set_enabled(C.int(b)))
}`),
	once("libtch/tensor.go", `func AtDevice(ts Ctensor) int {
	cint := C.at_device(ts)
	return *(*int)(unsafe.Pointer(&cint))
}`, `func AtDevice(ts Ctensor) int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.at_device(ts))
}`),
	once("libtch/device.go", `import (
	"unsafe"
)

func Atc_cuda_device_count() int {
	t := C.atc_cuda_device_count()
	return *(*int)(unsafe.Pointer(&t))
}`, `func Atc_cuda_device_count() int {
	// Patched by colash: gotch read this C int through an 8-byte Go int.
	return int(C.atc_cuda_device_count())
}`),
	once("ts/tensor.go", `func NoGrad(fn func()) {
	// Switch off Grad
	MustGradSetEnabled(false)

	fn()

	// Switch on Grad
	MustGradSetEnabled(true)
}`, `//
// Patched by colash: the previous mode is restored, also when fn panics, on the OS thread that
// it was changed on (libtorch's grad mode is per thread; the goroutine stays on it meanwhile).
func NoGrad(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer MustGradSetEnabled(MustGradSetEnabled(false))
	fn()
}`),
	everywhere("ts/tensor-generated.go", "  ts.ctensor = *ptr\n",
		"  lib.AtFree(ts.ctensor) // patched by colash: the op returned a new handle; free the old one\n  ts.ctensor = *ptr\n"),
	// The ops that return a list of tensors (Chunk, Split, Unbind, ...) get a malloc'd array of
	// handles from libtch and never free it: 24 bytes and more lost per call, 2 KB per generation
	// of a tiny model whose fused MLP chunks its gate/up product.
	everywhere("ts/patch.go", "\n\tcurrentPtr := ctensorsPtr\n",
		"\n\tdefer C.free(unsafe.Pointer(ctensorsPtr)) // patched by colash: libtch mallocs the array of handles\n\tcurrentPtr := ctensorsPtr\n"),
	// libtorch and OpenMP keep the intra-op thread count per OS thread, and at::set_num_threads
	// reaches only the thread that calls it; OpenBLAS follows the calling thread's OpenMP setting.
	// gotch's calls run on whatever OS thread the Go scheduler picks, so the same op could run
	// with one thread or two depending on that thread's history, and give results that differ in
	// the last bits (a resumed RL run diverged from an uninterrupted one in 1 of 10 runs). Every
	// call first brings its OS thread in line with the last at_set_num_threads (a thread-local
	// check of an atomic generation count).
	once("libtch/torch_api.h", `extern "C" {
typedef torch::Tensor *tensor;`, `// Patched by colash: see colash_sync_threads in torch_api.cpp.
void colash_sync_threads();

extern "C" {
typedef torch::Tensor *tensor;`),
	once("libtch/torch_api.h", `#define PROTECT(x)                                                             \
  try {                                                                        \
    x                                                                          \`, `#define PROTECT(x)                                                             \
  try {                                                                        \
    colash_sync_threads();                                                     \
    x                                                                          \`),
	once("libtch/torch_api.cpp", `void at_set_num_threads(int n_threads) {
  PROTECT(at::set_num_threads(n_threads);)
}`, `void at_set_num_threads(int n_threads) {
  PROTECT(at::set_num_threads(n_threads); colash_threads_gen.fetch_add(1);)
}`),
	once("libtch/torch_api.cpp", `#include "torch_api.h"
`, `#include "torch_api.h"
#include <atomic>

// Patched by colash: the OS thread of every call takes libtorch's current thread count (at
// first, and again after each at_set_num_threads), as at::parallel_for's lazy init would, but
// before BLAS calls too.
static std::atomic<int> colash_threads_gen{0};
static thread_local int colash_threads_seen = -1;
void colash_sync_threads() {
  int g = colash_threads_gen.load(std::memory_order_acquire);
  if (g != colash_threads_seen) {
    colash_threads_seen = g;
    at::init_num_threads();
  }
}
`),
}
