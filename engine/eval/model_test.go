package eval_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/eval"
	"colash/engine/generate"
	"colash/model/checkpoint"
)

// The harness on the shipped tiny model: its accuracy is about 0, what is checked is the
// pipeline: prompts, completions, the per-problem log, and resuming from it.
func TestHarnessOnShippedModel(t *testing.T) {
	l, err := checkpoint.Open("../../models/stories260K", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Free()
	sessions := 0
	gen := &eval.ModelGenerator{
		NewSession: func(capacity int) generate.Session {
			sessions++
			return generate.NewLlamaSession(l.Llama, capacity, false)
		},
		Tok:     l.Tok,
		Options: generate.Options{MaxTokens: 12, Sampling: generate.Sampling{Temperature: 1, Seed: 5}},
	}
	out := filepath.Join(t.TempDir(), "math500.jsonl")
	cfg := eval.Config{N: 3, Samples: 2, Batch: 2, OutPath: out}
	rep, err := eval.Run(context.Background(), eval.Math500(), gen, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Overall.Problems != 3 || rep.Generated != 3 || sessions != 2 {
		t.Fatalf("report %+v after %d sessions", rep, sessions)
	}
	f, _ := os.Open(out)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		var r eval.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		lines++
		if r.Prompt != eval.MathPrompt(eval.Math500()[lines-1].Problem) || len(r.Completions) != 2 || r.Gold == "" {
			t.Errorf("record %d: %+v", lines, r)
		}
		if r.Completions[0] == "" || r.Completions[0] == r.Completions[1] {
			t.Errorf("record %d: completions %q should be non-empty samples of separate streams", lines, r.Completions)
		}
	}
	if lines != 3 {
		t.Errorf("%d records, want 3", lines)
	}
	rep, err = eval.Run(context.Background(), eval.Math500(), gen, cfg)
	if err != nil || rep.Reused != 3 || rep.Generated != 0 || sessions != 2 {
		t.Errorf("second run should reuse all 3 records: %+v, %v, %d sessions", rep, err, sessions)
	}
}
