// Package testenv gives tests what lives outside the repository: the shared data and models
// beside the checkout (../shared) and Debian's Python with torch or sympy, used as independent
// numerical references. What happens when one is missing is decided here, once: under CI
// (CI=true) the test fails, since a reference that silently does not run proves nothing;
// elsewhere (a plain clone) the test is skipped with one line that names what is missing.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Python is the interpreter the references run under: Debian's, where python3-torch and
// python3-sympy install.
const Python = "/usr/bin/python3"

// InCI reports whether the tests run under CI, where nothing may be skipped for lack of data.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// Missing fails tb under CI and skips it elsewhere, naming what is missing and why.
func Missing(tb testing.TB, what string, err error) {
	tb.Helper()
	msg := fmt.Sprintf("missing %s: %v", what, err)
	if InCI() {
		tb.Fatalf("%s (CI=true: references must run; tools/setup.sh installs them, ../shared must be beside the checkout)", msg)
	}
	tb.Skip("skipped: " + msg)
}

var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the test's folder")
		}
		dir = up
	}
})

// SharedDir is the shared data folder: $COLASH_SHARED, else ../shared beside the module root.
func SharedDir() (string, error) {
	if d := os.Getenv("COLASH_SHARED"); d != "" {
		return d, nil
	}
	r, err := root()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(r), "shared"), nil
}

// Shared returns the path of rel inside the shared folder (a file or folder that must exist).
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := SharedDir()
	if err != nil {
		Missing(tb, "shared data", err)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		Missing(tb, "shared data "+rel, err)
	}
	return p
}

// Root is the module root (the folder with go.mod).
func Root(tb testing.TB) string {
	tb.Helper()
	r, err := root()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

var pyChecks sync.Map // module list -> error

// PythonWith returns the reference interpreter once it imports every module named.
func PythonWith(tb testing.TB, modules ...string) string {
	tb.Helper()
	key := strings.Join(modules, ",")
	v, ok := pyChecks.Load(key)
	if !ok {
		var err error
		if out, e := exec.Command(Python, "-c", "import "+key).CombinedOutput(); e != nil {
			err = fmt.Errorf("%v: %s", e, strings.TrimSpace(string(out)))
		}
		v, _ = pyChecks.LoadOrStore(key, err)
	}
	if err, _ := v.(error); err != nil {
		Missing(tb, "Python reference ("+Python+" with "+key+")", err)
	}
	return Python
}
