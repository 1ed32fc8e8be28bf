package recipes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// childEnv names the recipe a re-executed test binary runs (and then exits): the process that
// TestKillNineResumes kills.
const childEnv = "COLASH_RECIPE_CHILD"

func TestMain(m *testing.M) {
	if f := os.Getenv(childEnv); f != "" {
		r, err := Load(f)
		if err == nil {
			_, err = Run(context.Background(), r, nil)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A multi-stage recipe killed with SIGKILL in the middle of a training stage, then run again,
// writes the results.json of an uninterrupted run (all but the clock).
func TestKillNineResumes(t *testing.T) {
	r, err := Load(write(t, pipeline(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	file := write(t, pipeline(out))
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+file)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(out, "stage1", "metrics.jsonl")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		b, _ := os.ReadFile(metrics)
		if strings.Count(string(b), "\n") >= 5 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("stage 1 did not reach step 5")
		}
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if _, err := os.Stat(filepath.Join(out, "stage1", "done.json")); err == nil {
		t.Fatal("the child finished stage 1 before it was killed")
	}

	again, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	resumed, err := Run(context.Background(), again, &progress)
	if err != nil {
		t.Fatal(err)
	}
	// It continued: the sample stages were not run again, and stage 1 went on from its checkpoint.
	if !strings.Contains(progress.String(), "stage data: done in an earlier run") || !strings.Contains(progress.String(), "resumed") {
		t.Errorf("the second run did not resume:\n%s", progress.String())
	}
	if a, b := clockless(t, whole), clockless(t, resumed); a != b {
		t.Errorf("uninterrupted results\n%s\nresumed after kill -9\n%s", a, b)
	}
}

// clockless is results.json without its times and the run's own output folder.
func clockless(t *testing.T, res *Results) string {
	var c Results
	b, _ := json.Marshal(res)
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c.Seconds, c.Finished = 0, time.Time{}
	for i := range c.Stages {
		c.Stages[i].Seconds, c.Stages[i].Finished = 0, time.Time{}
	}
	b, _ = json.MarshalIndent(c, "", " ")
	return string(b)
}
