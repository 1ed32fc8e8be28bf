package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"colash/internal/testenv"
)

// installSpec installs a kernelspec that runs this test binary as the kernel (see TestMain) and
// returns the environment that makes Jupyter find it, and only it.
func installSpec(t *testing.T) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	prefix := t.TempDir()
	dir, _ := SpecDir(false, prefix)
	if err := Install(dir, exe); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"),
		"JUPYTER_RUNTIME_DIR="+t.TempDir(), "JUPYTER_DATA_DIR="+t.TempDir())
}

// jupyter_client's blocking client against the installed kernelspec: an expression, streams, a
// panic then a working cell, a compile error, an interrupt during a long generation, completion
// of a method name, inspect, is_complete, input_request (lines asked for, none when stdin is
// not allowed, a wait ended by an interrupt), a badly signed request refused, shutdown
// (testdata/client.py prints one line per check).
func TestJupyterClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kernel under jupyter_client (about 10 s)")
	}
	py := testenv.PythonWith(t, "jupyter_client")
	cmd := exec.Command(py, filepath.Join("testdata", "client.py"))
	cmd.Env = installSpec(t)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || strings.Contains(string(out), "FAIL") || !strings.Contains(string(out), "ok shutdown") {
		t.Fatalf("jupyter_client checks failed: %v", err)
	}
}

// Every example .ipynb runs headless through the installed kernelspec, as CI runs them.
func TestNbconvertExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example notebooks under nbconvert (about 40 s)")
	}
	testenv.PythonWith(t, "nbconvert", "nbclient")
	jup, err := exec.LookPath("jupyter")
	if err != nil {
		testenv.Missing(t, "jupyter (Debian's jupyter-core, jupyter-nbconvert)", err)
	}
	env := installSpec(t)
	nbs, _ := filepath.Glob(filepath.Join(testenv.Root(t), "examples", "notebooks", "*.ipynb"))
	if len(nbs) < 5 {
		t.Fatalf("example notebooks: %v", nbs)
	}
	out := t.TempDir()
	args := append([]string{"nbconvert", "--to", "notebook", "--execute", "--output-dir", out}, nbs...)
	cmd := exec.Command(jup, args...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jupyter nbconvert --execute: %v\n%s", err, b)
	}
	// the rich values render in Jupyter: the reward plot, the search tree, the patching heat map
	for nb, want := range map[string]string{"rl.ipynb": `"image/png"`, "search.ipynb": `<details open><summary><b>root</b>`,
		"patching.ipynb": `"image/png"`} {
		b, err := os.ReadFile(filepath.Join(out, nb))
		if err != nil || !strings.Contains(string(b), want) {
			t.Fatalf("executed %s lacks %s: %v", nb, want, err)
		}
	}
}
