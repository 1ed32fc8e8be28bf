package main

import (
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// helpOutput runs `colash ARGS... --help` once per argument list and keeps its output.
var helpCache sync.Map // string -> helpResult

type helpResult struct {
	out string
	err error
}

func helpOutput(t *testing.T, args ...string) (string, error) {
	t.Helper()
	key := strings.Join(args, "\x00")
	if r, ok := helpCache.Load(key); ok {
		return r.(helpResult).out, r.(helpResult).err
	}
	cmd := exec.Command(colashBinary(t), append(slices.Clone(args), "--help")...)
	out, err := cmd.CombinedOutput()
	helpCache.Store(key, helpResult{string(out), err})
	return string(out), err
}

// commandNames is the command table, sorted: every command and subcommand.
func commandNames() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// TestHelpForEveryCommand asks every command and subcommand of the command table for --help: it
// must exit 0 and print its usage (and, for a command with subcommands, list them).
func TestHelpForEveryCommand(t *testing.T) {
	out, err := exec.Command(colashBinary(t), "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Usage") {
		t.Fatalf("colash --help: %v\n%s", err, out)
	}
	for _, name := range commandNames() {
		if !strings.Contains(string(out), "  "+strings.Fields(name)[0]+" ") {
			t.Errorf("colash --help does not list %s", name)
		}
	}
	for _, name := range commandNames() {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			args := strings.Fields(name)
			out, err := helpOutput(t, args...)
			if err != nil {
				t.Fatalf("colash %s --help: %v\n%s", name, err, out)
			}
			if !strings.Contains(out, "Usage") {
				t.Errorf("colash %s --help prints no Usage (make its flag set with newFlags(%q) and register its usage and example in the command table):\n%s", name, out, name)
			}
			for _, s := range commands[name].subs() {
				if !strings.Contains(out, strings.Fields(s.name)[1]) {
					t.Errorf("colash %s --help does not list its subcommand %s:\n%s", name, s.name, out)
				}
			}
			if c := commands[name]; len(c.example) > 0 && !strings.Contains(out, "Example") {
				t.Errorf("colash %s --help prints no example:\n%s", name, out)
			}
		})
	}
	// colash help CMD SUB is colash CMD SUB --help; -h is --help.
	a, _ := exec.Command(colashBinary(t), "help", "qnet", "collect").CombinedOutput()
	b, err := exec.Command(colashBinary(t), "qnet", "collect", "-h").CombinedOutput()
	if err != nil || string(a) != string(b) || !strings.Contains(string(a), "-max-tokens") {
		t.Errorf("colash help qnet collect and colash qnet collect -h differ (%v):\n%s\n----\n%s", err, a, b)
	}
}

// TestHelpDoesNoWork: a help flag anywhere in the flags prints help and runs nothing, and a
// command that needs arguments says so with exit status 2 (a group) or 1.
func TestHelpDoesNoWork(t *testing.T) {
	out, err := exec.Command(colashBinary(t), "recipe", "run", "missing.toml", "--smoke", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-smoke") || strings.Contains(string(out), "missing.toml:") {
		t.Errorf("recipe run FILE --help: %v\n%s", err, out)
	}
	out, err = exec.Command(colashBinary(t), "eval", "math500", "--search", "mcts-q", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-qnet") || !strings.Contains(string(out), "-samples") {
		t.Errorf("eval math500 --search mcts-q --help: %v\n%s", err, out)
	}
	cmd := exec.Command(colashBinary(t), "qnet")
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "collect") {
		t.Errorf("colash qnet with no subcommand: %v\n%s", err, out)
	}
	out, err = exec.Command(colashBinary(t), "generate", "--no-such-flag").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "colash generate --help") {
		t.Errorf("a bad flag: %v\n%s", err, out)
	}
}
