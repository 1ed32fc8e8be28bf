package dsl

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/traefik/yaegi/stdlib"

	colash "colash/stdlib"
)

func stdlibSymbols() map[string]map[string]reflect.Value { return stdlib.Symbols }

// allSymbols are every package's symbols, by yaegi key ("fmt/fmt", "colash/colash").
func allSymbols() map[string]map[string]reflect.Value {
	out := map[string]map[string]reflect.Value{}
	for k, v := range stdlib.Symbols {
		out[k] = v
	}
	for k, v := range ScriptSymbols() {
		out[k] = v
	}
	return out
}

var keywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package",
	"range", "return", "select", "struct", "switch", "type", "var",
	"append", "cap", "copy", "delete", "len", "make", "new", "panic", "print", "println", "recover"}

// Complete returns the completions of the word that ends at pos in line, as whole words, and
// the length of that word (what a completion replaces).
func (s *Shell) Complete(line string, pos int) (cands []string, wordLen int) {
	line = line[:pos]
	if strings.HasPrefix(line, ":") {
		name, arg, hasArg := strings.Cut(line[1:], " ")
		if !hasArg {
			for _, c := range s.commands {
				if strings.HasPrefix(c.Name, name) {
					cands = append(cands, ":"+c.Name)
				}
			}
			return cands, len(line)
		}
		c := s.lookup(name)
		if c == nil || c.Complete == nil {
			return nil, 0
		}
		return c.Complete(s, arg), len(lastWord(arg, c.Name == "load" || c.Name == "save"))
	}
	if strings.Count(line, `"`)%2 == 1 { // inside a string: the hook points of loaded models
		word := line[strings.LastIndexByte(line, '"')+1:]
		if hs := hookNames(word); len(hs) > 0 {
			return hs, len(word)
		}
	}
	word := lastWord(line, false)
	return s.completeExpr(word), len(word)
}

// hookNames are the hook points of the loaded models that start with pre.
func hookNames(pre string) []string {
	var out []string
	for _, m := range colash.Models() {
		func() {
			defer func() { recover() }() // a model without hook points
			for _, n := range m.HookNames() {
				if strings.HasPrefix(n, pre) {
					out = append(out, n)
				}
			}
		}()
	}
	return dedupe(out)
}

// lastWord is the identifier chain (or, for files, the path) that ends line.
func lastWord(line string, path bool) string {
	i := len(line)
	for i > 0 {
		r := rune(line[i-1])
		if r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80 ||
			(path && (r == '/' || r == '-' || r == '~')) {
			i--
			continue
		}
		break
	}
	return line[i:]
}

// completeExpr completes "pkg.Pre", "x.Pre", "x.y.Pre" or a bare "Pre".
func (s *Shell) completeExpr(word string) []string {
	var out []string
	dot := strings.LastIndexByte(word, '.')
	if dot < 0 {
		for _, n := range sortedKeys(s.names) {
			if strings.HasPrefix(n, word) {
				out = append(out, n)
			}
		}
		pk := s.packageNames()
		for n := range pk {
			if strings.HasPrefix(n, word) && !s.names[n] {
				out = append(out, n)
			}
		}
		for _, k := range keywords {
			if strings.HasPrefix(k, word) {
				out = append(out, k)
			}
		}
		sort.Strings(out[len(sortedKeysPrefix(s.names, word)):])
		return dedupe(out)
	}
	base, pre := word[:dot], word[dot+1:]
	var names []string
	if !s.names[base] {
		if key, ok := s.packageNames()[base]; ok && !strings.Contains(base, ".") {
			for n := range allSymbols()[key] {
				names = append(names, n)
			}
		}
	}
	if names == nil && isIdentChain(base) {
		if v, err := s.in.Eval(context.Background(), "", base); err == nil && v.IsValid() {
			names = members(v)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, pre) && ast_IsExported(n) {
			out = append(out, base+"."+n)
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func sortedKeysPrefix(m map[string]bool, pre string) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, pre) {
			out = append(out, k)
		}
	}
	return out
}

func ast_IsExported(n string) bool {
	r := []rune(n)
	return len(r) > 0 && unicode.IsUpper(r[0])
}

func isIdentChain(s string) bool {
	for _, p := range strings.Split(s, ".") {
		if p == "" {
			return false
		}
		for i, r := range p {
			if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

// members are the methods and fields of a value (through pointers).
func members(v reflect.Value) []string {
	var out []string
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		out = append(out, t.Method(i).Name)
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		for i := 0; i < pt.NumMethod(); i++ {
			out = append(out, pt.Method(i).Name)
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			out = append(out, f.Name)
			if f.Anonymous { // promoted fields
				ft := f.Type
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					for j := 0; j < ft.NumField(); j++ {
						out = append(out, ft.Field(j).Name)
					}
				}
			}
		}
	}
	return out
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (s *Shell) completeDoc(arg string) []string {
	var out []string
	for _, n := range colash.Names() {
		if strings.HasPrefix(n, arg) {
			out = append(out, n)
		}
	}
	out = append(out, hookNames(arg)...)
	if len(out) == 0 {
		out = s.completeExpr(arg)
	}
	return out
}

func completeFile(_ *Shell, arg string) []string {
	dir, pre := filepath.Split(arg)
	d := dir
	if d == "" {
		d = "."
	}
	ents, err := os.ReadDir(d)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), pre) && (!strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(pre, ".")) {
			n := dir + e.Name()
			if e.IsDir() {
				n += "/"
			}
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
