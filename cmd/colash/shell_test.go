package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The shell tests drive the real binary: built once, run through a pseudo-terminal.

var (
	shellBinOnce sync.Once
	shellBin     string
	shellBinErr  error
)

func colashBinary(tb testing.TB) string {
	tb.Helper()
	shellBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "colash-shell-test-")
		if err != nil {
			shellBinErr = err
			return
		}
		shellBin = filepath.Join(dir, "colash")
		out, err := exec.Command("go", "build", "-o", shellBin, ".").CombinedOutput()
		if err != nil {
			shellBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if shellBinErr != nil {
		tb.Fatal(shellBinErr)
	}
	return shellBin
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r`)

// ptyShell is the shell running on a pseudo-terminal, with its output collected (ANSI codes
// and carriage returns removed).
type ptyShell struct {
	tb   testing.TB
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // output before mark has been matched already
	done chan struct{}
}

func startShell(tb testing.TB, args ...string) *ptyShell {
	tb.Helper()
	cmd := exec.Command(colashBinary(tb), args...)
	cmd.Env = append(os.Environ(), "COLASH_HISTORY="+filepath.Join(tb.TempDir(), "history"), "TERM=xterm-256color")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		tb.Fatal(err)
	}
	p := &ptyShell{tb: tb, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	return p
}

func (p *ptyShell) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ansi.ReplaceAllString(p.out.String(), "")
}

// expect waits until the output after the last match matches re, and moves past it.
func (p *ptyShell) expect(re string, timeout time.Duration) string {
	p.tb.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for {
		t := p.text()
		if p.mark > len(t) {
			p.mark = len(t)
		}
		if loc := rx.FindStringIndex(t[p.mark:]); loc != nil {
			m := t[p.mark : p.mark+loc[1]]
			p.mark += loc[1]
			return m
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("no %q within %v; output since the last match:\n%s", re, timeout, t[p.mark:])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *ptyShell) send(s string) {
	p.tb.Helper()
	if _, err := p.tty.Write([]byte(s)); err != nil {
		p.tb.Fatal(err)
	}
}

func TestShellTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the colash binary")
	}
	p := startShell(t)
	p.expect(`colash> `, 30*time.Second)

	// a variable over several lines
	p.send("xs := []int{\r")
	p.expect(`\.\.\. `, 5*time.Second)
	p.send("10, 20,\r")
	p.send("30}\r")
	p.expect(`30}\n`, 5*time.Second)
	p.send("len(xs) + xs[2]\r")
	p.expect(`\n33\n`, 10*time.Second)

	// TAB completes a method of a session variable
	p.send("m := colash.Load(\"\")\r")
	p.expect(`colash> `, 30*time.Second)
	p.send("m.Tokeni\t")
	p.expect(`m\.Tokenize`, 5*time.Second)
	p.send("(\"Once upon\")\r")
	p.expect(`\[\d+( \d+)*\]\n`, 10*time.Second)

	// :type
	p.send(":type m\r")
	p.expect(`\*colash\.Model\n`, 10*time.Second)
	p.send(":type xs\r")
	p.expect(`\[\]int\n`, 10*time.Second)

	// a panic, and the session goes on with its variables
	p.send("panic(\"boom\")\r")
	p.expect(`error: panic: boom`, 10*time.Second)
	p.send("xs[0]\r")
	p.expect(`\n10\n`, 10*time.Second)

	// Ctrl-C cancels a long generation and the prompt comes back quickly
	p.send("for { m.Generate(\"Once upon a time\", colash.Opts{N: 500}) }\r")
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	p.send("\x03")
	p.expect(`interrupted`, 5*time.Second)
	p.expect(`colash> `, 5*time.Second)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("the prompt came back %v after Ctrl-C", el)
	} else {
		t.Logf("prompt back %v after Ctrl-C", el.Round(time.Millisecond))
	}
	p.send("xs[1]\r")
	p.expect(`\n20\n`, 10*time.Second)

	// Ctrl-D leaves, sent once the prompt is back: before it the terminal is not in raw mode,
	// and the tty would take Ctrl-D itself
	p.expect(`colash> `, 10*time.Second)
	p.send("\x04")
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not exit on Ctrl-D")
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	hist, _ := os.ReadFile(envOf(p.cmd, "COLASH_HISTORY"))
	if !strings.Contains(string(hist), "len(xs) + xs[2]") {
		t.Errorf("history file lacks the inputs: %q", hist)
	}
}

func envOf(cmd *exec.Cmd, key string) string {
	for _, e := range cmd.Env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestRunExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the colash binary")
	}
	bin := colashBinary(t)
	files, _ := filepath.Glob("../../examples/*.go")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "run", f)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
			}
			if len(out) == 0 {
				t.Error("printed nothing")
			}
		})
	}
}

func TestRunFailingScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the colash binary")
	}
	bin := colashBinary(t)
	dir := t.TempDir()
	for _, c := range []struct{ name, src, want string }{
		{"panics.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"before\")\n\tvar m map[string]int\n\tm[\"x\"] = 1\n}\n", `panics\.go:\d+:\d+: panic: assignment to entry in nil map`},
		{"undefined.go", "package main\n\nfunc main() {\n\tx := undefinedThing\n}\n", `undefined\.go:4:7: undefined: undefinedThing`},
		{"statements.go", "x := 1\nfmt.Println(x)\n\nif x > 0 {\n\tpanic(\"too big\")\n}\n", `statements\.go:4: panic: too big`},
		{"loadfails.go", "m := colash.Load(\"/no/such/model\")\n", `loadfails\.go:1: load /no/such/model`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, c.name)
			os.WriteFile(f, []byte(c.src), 0o644)
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "run", f)
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit %v, want 1; stderr %s", err, stderr.String())
			}
			if !regexp.MustCompile(c.want).MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %q", stderr.String(), c.want)
			}
		})
	}
}

func TestEvalFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the colash binary")
	}
	out, err := exec.Command(colashBinary(t), "-e", "colash.Max(3, 9) * 2").Output()
	if err != nil || string(out) != "18\n" {
		t.Fatalf("colash -e: %q %v", out, err)
	}
	out, err = exec.Command(colashBinary(t), "-e", "--dtype", "bf16", `colash.Load("").Info().DType`).Output()
	if err != nil || string(out) != "\"bfloat16\"\n" {
		t.Fatalf("colash -e --dtype bf16: %q %v", out, err)
	}
	err = exec.Command(colashBinary(t), "-e", "min(1, 2)").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("a failing -e exited with %v", err)
	}
}

// BenchmarkShellStartup is the time from starting `colash` to its first prompt, on a
// pseudo-terminal; no model is loaded.
func BenchmarkShellStartup(b *testing.B) {
	colashBinary(b)
	b.ResetTimer()
	var toPrompt time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		p := startShell(b)
		p.expect(`colash> `, 30*time.Second)
		toPrompt += time.Since(start)
		p.send("\x04")
		<-p.done
		p.cmd.Wait()
	}
	b.ReportMetric(float64(toPrompt.Milliseconds())/float64(b.N), "ms/prompt")
}
