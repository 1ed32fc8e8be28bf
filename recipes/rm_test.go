package recipes

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/engine/eval"
	"colash/engine/job"
	"colash/engine/rl"
	"colash/engine/search/qlearn"
)

// An rm stage refuses MATH-500 as references and as samples: it is the evaluation set.
func TestRMRefusesMath500(t *testing.T) {
	s := NewRMJob()
	s.Samples, s.References = "samples.jsonl", "math500"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "evaluation set") {
		t.Fatalf("references math500: %v", err)
	}
	path := filepath.Join(t.TempDir(), "samples.jsonl")
	test := rl.MathExamples(eval.Math500())[0].Prompt
	line, _ := json.Marshal(qlearn.Sample{Prompt: test, PromptIDs: []int{1}, Tokens: []int{5}, Codes: []int{0}, Reward: 1})
	if err := os.WriteFile(path, append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Samples, s.References = path, ""
	if _, _, err := s.pairs(&job.Env{}); err == nil || !strings.Contains(err.Error(), "MATH-500 problem") {
		t.Fatalf("samples of MATH-500 problems: %v", err)
	}
}
