package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// colashStdin runs the binary with stdin.
func colashStdin(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(colashBinary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestGradeCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "answers.jsonl")
	lines := strings.Join([]string{
		`{"id": 1, "given": "\\dfrac{1}{2}", "gold": "\\frac12", "model": "m"}`,
		``,
		`{"gold": "2^{1/3}", "given": "2/3", "correct": null, "id": 2}`,
		`   `,
		`{"id": 3, "given": null, "gold": "5"}`,
		`{"id": 4, "given": 5, "gold": "5", "extra": {"nested": [1, 2]}}`,
	}, "\n") + "\n"
	if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"prm800k": {
			`{"id":1,"given":"\\dfrac{1}{2}","gold":"\\frac12","model":"m","correct":true}`,
			`{"gold":"2^{1/3}","given":"2/3","correct":true,"id":2}`, // PRM800K reads 2^{1/3} as 2^1/3
			`{"id":3,"given":null,"gold":"5","correct":false}`,
			`{"id":4,"given":5,"gold":"5","extra":{"nested":[1,2]},"correct":true}`,
		},
		"strict": {
			`{"id":1,"given":"\\dfrac{1}{2}","gold":"\\frac12","model":"m","correct":true}`,
			`{"gold":"2^{1/3}","given":"2/3","correct":false,"id":2}`,
			`{"id":3,"given":null,"gold":"5","correct":false}`,
			`{"id":4,"given":5,"gold":"5","extra":{"nested":[1,2]},"correct":true}`,
		},
	}
	for mode, wantLines := range want {
		// The default mode is prm800k; the file comes positionally, before or after flags.
		args := []string{"grade", in}
		if mode == "strict" {
			args = []string{"grade", in, "--mode", "strict"}
		}
		out, errs, err := colash(t, args...)
		if err != nil {
			t.Fatalf("colash %v: %v\n%s", args, err, errs)
		}
		if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
			t.Errorf("mode %s:\n got %s\nwant %s", mode, strings.Join(got, "\n     "), strings.Join(wantLines, "\n     "))
		}
		correct := map[string]string{"prm800k": "3 correct", "strict": "2 correct"}[mode]
		if !strings.Contains(errs, "4 answers, "+correct) || !strings.Contains(errs, "mode "+mode) {
			t.Errorf("mode %s: summary %q", mode, errs)
		}
	}

	// stdin in, --out file, other field names.
	outFile := filepath.Join(dir, "graded.jsonl")
	if _, errs, err := colashStdin(t, `{"answer":"0.5","ref":"\\frac{1}{2}"}`+"\n", "grade", "--given-field", "answer",
		"--gold-field", "ref", "--out", outFile); err != nil || !strings.Contains(errs, "1 answers, 1 correct (100.00%)") {
		t.Fatalf("stdin: %v %s", err, errs)
	}
	if b, err := os.ReadFile(outFile); err != nil || string(b) != `{"answer":"0.5","ref":"\\frac{1}{2}","correct":true}`+"\n" {
		t.Errorf("--out: %q %v", b, err)
	}

	// Bad lines name their line number.
	for _, c := range []struct{ input, msg string }{
		{"{\"given\":\"1\",\"gold\":\"1\"}\n\n{\"given\": 1,\n", "line 3: bad JSON"},
		{"{\"given\":\"1\",\"gold\":\"1\"}\n[1,2]\n", "line 2: not a JSON object"},
		{"{\"given\":\"1\"}\n", `line 1: no "gold" field`},
		{"{\"given\":[1],\"gold\":\"1\"}\n", `line 1: field "given" is [1]`},
		{"{\"given\":\"1\",\"gold\":\"1\"} {}\n", "line 1: more than one JSON value"},
	} {
		if _, errs, err := colashStdin(t, c.input, "grade"); err == nil || !strings.Contains(errs, c.msg) {
			t.Errorf("input %q: err %v, stderr %q, want %q", c.input, err, errs, c.msg)
		}
	}
	if _, errs, err := colash(t, "grade", "--mode", "lenient", in); err == nil || !strings.Contains(errs, "unknown grading mode") {
		t.Errorf("bad mode: %v %s", err, errs)
	}
}
