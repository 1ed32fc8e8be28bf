package tasks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestJSONLRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cd, _ := Generate("cd4", 30, 3)
	cdPath := filepath.Join(dir, "cd.jsonl")
	if err := WriteCountdown(cdPath, cd); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCountdown(cdPath)
	if err != nil || !slices.EqualFunc(back, cd, sameProblem) {
		t.Errorf("countdown round trip: %v, %v", back, err)
	}
	ar := GenerateArith(30, 3)
	arPath := filepath.Join(dir, "ar.jsonl")
	if err := WriteArith(arPath, ar); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadArith(arPath); err != nil || !slices.Equal(back, ar) {
		t.Errorf("arith round trip: %v, %v", back, err)
	}
	// The form is the documented one, the same as Fields encodes.
	data, _ := os.ReadFile(cdPath)
	first, _, _ := strings.Cut(string(data), "\n")
	fields, _ := json.Marshal(cd[0].Fields())
	want := fmt.Sprintf(`{"nums":[%d,%d,%d,%d],"target":%d}`, cd[0].Nums[0], cd[0].Nums[1], cd[0].Nums[2], cd[0].Nums[3], cd[0].Target)
	if first != want || string(fields) != want {
		t.Errorf("first line %s, Fields %s, want %s", first, fields, want)
	}
}

func TestReadJSONL(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Blank lines are skipped but counted, and other fields are ignored.
	ps, err := ReadCountdown(write("ok.jsonl", "\n{\"nums\": [44, 19, 35], \"target\": 98, \"id\": 1}\n  \n{\"target\":5,\"nums\":[2,3]}\n"))
	if err != nil || len(ps) != 2 || ps[0].Target != 98 || !slices.Equal(ps[1].Nums, []int{2, 3}) {
		t.Errorf("ok.jsonl: %v, %v", ps, err)
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"bad.jsonl", "{\"nums\": [1, 2], \"target\": 3}\n\n{\"nums\": [1, 2,\n", "bad.jsonl:3: "},
		{"nonums.jsonl", `{"target": 3}`, `nonums.jsonl:1: missing "nums"`},
		{"notarget.jsonl", `{"nums": [1, 2]}`, `notarget.jsonl:1: missing "target"`},
		{"nullnums.jsonl", `{"nums": null, "target": 3}`, `nullnums.jsonl:1: missing "nums"`},
		{"zero.jsonl", `{"nums": [0, 2], "target": 3}`, "zero.jsonl:1: number 0 out of range"},
		{"big.jsonl", `{"nums": [101, 2], "target": 3}`, "big.jsonl:1: number 101 out of range"},
		{"target.jsonl", `{"nums": [1, 2], "target": 0}`, "target.jsonl:1: target 0 out of range"},
		{"one.jsonl", `{"nums": [5], "target": 5}`, "one.jsonl:1: 1 numbers, want 2 to 5"},
		{"six.jsonl", `{"nums": [1,2,3,4,5,6], "target": 5}`, "six.jsonl:1: 6 numbers"},
		{"float.jsonl", `{"nums": [1.5, 2], "target": 3}`, "float.jsonl:1: "},
		{"junk.jsonl", `{"nums": [1, 2], "target": 3} x`, "junk.jsonl:1: "},
	} {
		_, err := ReadCountdown(write(tc.name, tc.text))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"a1.jsonl", "{\"expr\": \"1+2\"}\n{\"expr\": \"3/4\"}\n", `a1.jsonl:2: expression "3/4": bad character '/'`},
		{"a2.jsonl", `{"expr": "1 + 2"}`, `a2.jsonl:1: expression "1 + 2": bad character ' '`},
		{"a3.jsonl", `{"exp": "1+2"}`, `a3.jsonl:1: missing "expr"`},
		{"a4.jsonl", `{"expr": "12"}`, `a4.jsonl:1: expression "12": 0 operations`},
		{"a5.jsonl", `{"expr": "1000+1"}`, "a5.jsonl:1: expression \"1000+1\": number 1000 out of range"},
		{"a6.jsonl", `{"expr": 12}`, "a6.jsonl:1: "},
		{"a7.jsonl", `["1+2"]`, "a7.jsonl:1: "},
	} {
		_, err := ReadArith(write(tc.name, tc.text))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadCountdown(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("missing file: no error")
	}
	if err := WriteCountdown(filepath.Join(dir, "w.jsonl"), []Problem{{Nums: []int{1}, Target: 1}}); err == nil {
		t.Error("WriteCountdown wrote a problem ReadCountdown rejects")
	}
	if err := WriteArith(filepath.Join(dir, "w.jsonl"), []ArithProblem{{Expr: "1/2"}}); err == nil {
		t.Error("WriteArith wrote a problem ReadArith rejects")
	}
}
