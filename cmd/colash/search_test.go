package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/model/qnet"
)

// colash qnet collect, train and search end to end on the shipped CoLA, tiny sizes.
func TestSearchAndQNetCommands(t *testing.T) {
	dir := t.TempDir()
	data, q, res := filepath.Join(dir, "s.jsonl"), filepath.Join(dir, "q"), filepath.Join(dir, "r.json")
	if _, errs, err := colash(t, "qnet", "collect", "--model", "cola", "--task", "story-target", "--n", "3", "--samples", "2", "--max-tokens", "8", "--out", data); err != nil {
		t.Fatalf("collect: %v %s", err, errs)
	}
	// Stopped at step 2 of 4, qnet train writes the Q-network of step 2; --resume finishes it.
	train := []string{"qnet", "train", "--model", "cola", "--data", data, "--steps", "4", "--batch", "2", "--target-every", "2", "--out", q}
	if _, errs, err := colash(t, append(train, "--stop-at", "2")...); err != nil {
		t.Fatalf("train: %v %s", err, errs)
	}
	head := filepath.Join(q, qnet.HeadFile)
	stopped, err := os.ReadFile(head)
	if err != nil {
		t.Fatalf("qnet train stopped at step 2 wrote no Q-network: %v", err)
	}
	if _, errs, err := colash(t, append(train, "--resume")...); err != nil {
		t.Fatalf("train --resume: %v %s", err, errs)
	}
	if final, err := os.ReadFile(head); err != nil || bytes.Equal(final, stopped) {
		t.Fatalf("the resumed run left the Q-network of step 2 (%v)", err)
	}
	out, errs, err := colash(t, "search", "--model", "cola", "--task", "story-target", "--methods", "greedy,best-of-n,mcts,mcts-q",
		"--qnet", q, "--budget", "200", "--n", "2", "--answer-tokens", "8", "--depth", "8", "--out", res)
	if err != nil || !strings.Contains(out, "mcts-q") {
		t.Fatalf("search: %v\n%s\n%s", err, out, errs)
	}
	b, _ := os.ReadFile(res)
	var rs []map[string]any
	if err := json.Unmarshal(b, &rs); err != nil || len(rs) != 4 {
		t.Fatalf("results.json: %v, %d methods", err, len(rs))
	}
	for _, r := range rs {
		for _, k := range []string{"method", "budget_tokens", "n", "success_rate", "mean_reward", "forward_tokens_per_problem", "oracle"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("results.json lacks %q: %v", k, r)
			}
		}
		// The budget rule (engine/search/budget.go): no method passes the budget.
		if f := r["forward_tokens_per_problem"].(float64); f <= 0 || f > 200 {
			t.Fatalf("%s spent %v forward tokens a problem at budget 200", r["method"], f)
		}
		for _, rec := range r["records"].([]any) {
			if f := rec.(map[string]any)["forward_tokens"].(float64); f > 200 {
				t.Fatalf("%s spent %v forward tokens on one problem at budget 200", r["method"], f)
			}
		}
		// story-target's reward reads a word the prompt lacks: labelled oracle.
		if r["oracle"] != true || r["scorer"] != "oracle" {
			t.Fatalf("%s on story-target: oracle %v, scorer %v", r["method"], r["oracle"], r["scorer"])
		}
	}
	if !strings.Contains(out, "mcts-q (oracle)") {
		t.Fatalf("the table does not label story-target oracle:\n%s", out)
	}
	// colash search compare pairs two methods of one file problem by problem.
	want := map[bool]int{}
	for i, rec := range rs[2]["records"].([]any) {
		a := rec.(map[string]any)["success"] == true
		b := rs[0]["records"].([]any)[i].(map[string]any)["success"] == true
		want[a && !b]++
	}
	cmp, errs, err := colash(t, "search", "compare", res+":mcts", res+":greedy")
	if err != nil || !strings.Contains(cmp, "mcts vs greedy on 2 problems") || !strings.Contains(cmp, fmt.Sprintf("mcts only %d,", want[true])) {
		t.Fatalf("search compare: %v\n%s\n%s", err, cmp, errs)
	}
	if _, errs, err := colash(t, "search", "compare", res, res+":greedy"); err == nil || !strings.Contains(errs, ":METHOD") {
		t.Fatalf("search compare without a method of a file of four: %v %s", err, errs)
	}
	// Held-out samples of the evaluation's problems (0 to 2 here) are refused.
	if _, errs, err := colash(t, "qnet", "assess", "--qnet", q, "--data", data, "--eval-n", "2"); err == nil || !strings.Contains(errs, "--from 2") {
		t.Fatalf("qnet assess on the evaluation's problems: %v %s", err, errs)
	}
	if _, errs, err := colash(t, "qnet", "collect", "--model", "cola", "--task", "math500", "--n", "1", "--out", data+".test"); err == nil || !strings.Contains(errs, "evaluation set") {
		t.Fatalf("qnet collect on math500: %v %s", err, errs)
	}
	if _, errs, err := colash(t, "search", "--model", "cola", "--methods", "mcts-q", "--n", "1"); err == nil || !strings.Contains(errs, "--qnet") {
		t.Fatalf("mcts-q without a Q-network: %v %s", err, errs)
	}
	// colash eval math500 --search: the grader is an oracle, refused unless asked for and then
	// labelled.
	if _, errs, err := colash(t, "eval", "math500", "--search", "greedy", "--model", "cola", "--n", "1"); err == nil || !strings.Contains(errs, "oracle") {
		t.Fatalf("eval math500 --search without a scorer: %v %s", err, errs)
	}
	out, errs, err = colash(t, "eval", "math500", "--search=greedy", "--model", "cola", "--n", "1", "--oracle", "--sim-tokens", "8", "--out", res)
	if err != nil || !strings.Contains(out, "greedy (oracle)") {
		t.Fatalf("eval math500 --search --oracle: %v\n%s\n%s", err, out, errs)
	}
	var one map[string]any
	if b, _ := os.ReadFile(res); json.Unmarshal(b, &one) != nil || one["task"] != "math500" || one["scorer"] != "oracle" || one["oracle"] != true {
		t.Fatalf("results.json of eval --search: %v", one)
	}
}
