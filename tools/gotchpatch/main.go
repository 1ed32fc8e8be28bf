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
	"maps"
	"os"
	"path/filepath"
	"slices"
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
