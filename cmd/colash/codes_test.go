package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// codes --spread on the testbed's held-out problems prints its figures as JSON; a bad task, and
// sizes without --spread, are refused.
func TestCodesSpread(t *testing.T) {
	out, errs, err := colash(t, "codes", "--model", "testbed-cola", "--task", "cd4", "--n", "2", "--samples", "1",
		"--tokens", "20", "--spread", "--json", "--threads", "1")
	if err != nil {
		t.Fatalf("codes --spread: %v %s", err, errs)
	}
	var sp struct {
		Positions    int     `json:"positions"`
		CodeEntropy  float64 `json:"code_entropy"`
		TokenEntropy float64 `json:"token_entropy"`
		Distinct     float64 `json:"distinct_tokens_top10"`
	}
	if err := json.Unmarshal([]byte(out), &sp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if sp.Positions < 2 || sp.Positions > 40 || sp.TokenEntropy > sp.CodeEntropy || sp.Distinct < 1 || sp.Distinct > 10 {
		t.Errorf("2 continuations of 20 tokens: %+v", sp)
	}
	for _, bad := range [][]string{{"--task", "cd5", "--spread"}, {"--samples", "3"}, {"--task", "cd4", "--prompts", "x.txt"}} {
		if _, errs, err := colash(t, append([]string{"codes", "--model", "testbed-cola"}, bad...)...); err == nil || !strings.Contains(errs, "codes:") {
			t.Errorf("codes %v: %v %s", bad, err, errs)
		}
	}
}
