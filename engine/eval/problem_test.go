package eval

import (
	"colash/internal/testenv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	return testenv.Shared(t, filepath.Join("data", rel))
}

func TestMath500Embedded(t *testing.T) {
	probs := Math500()
	if len(probs) != 500 {
		t.Fatalf("Math500: got %d problems, want 500", len(probs))
	}
	subjects := map[string]int{}
	for _, p := range probs {
		if p.ID == "" || p.Problem == "" || p.Answer == "" || p.Level < 1 || p.Level > 5 {
			t.Fatalf("incomplete problem %+v", p)
		}
		subjects[p.Subject]++
	}
	if len(subjects) != 7 {
		t.Errorf("got %d subjects, want 7: %v", len(subjects), subjects)
	}
	if probs[0].ID != "test/precalculus/807.json" || probs[0].Level != 2 {
		t.Errorf("first problem: %+v", probs[0])
	}
	probs[0].Answer = "changed"
	if Math500()[0].Answer == "changed" {
		t.Error("Math500 shares its slice with callers")
	}
}

func TestEmbeddedSetsMatchShared(t *testing.T) {
	for file, embedded := range map[string][]Problem{"math500/test.jsonl": Math500(), "math/train_7500.jsonl": MathTrain()} {
		shared, err := LoadMATH(sharedFile(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if len(shared) != len(embedded) {
			t.Fatalf("%s: shared %d vs embedded %d", file, len(shared), len(embedded))
		}
		for i := range shared {
			if shared[i] != embedded[i] {
				t.Fatalf("%s: problem %d differs", file, i)
			}
		}
	}
}

// RL trains on MathTrain and evaluates on Math500: no problem may be in both.
func TestTrainAndTestAreDisjoint(t *testing.T) {
	test := map[string]bool{}
	for _, p := range Math500() {
		test[p.Problem] = true
	}
	train := MathTrain()
	if len(train) != 7500 {
		t.Fatalf("MathTrain: %d problems", len(train))
	}
	var unanswered []string // the source writes \boxed{} for these two
	for _, p := range train {
		if test[p.Problem] || !strings.HasPrefix(p.ID, "train/") {
			t.Fatalf("training problem %s: in MATH-500 %v", p.ID, test[p.Problem])
		}
		if p.Answer == "" {
			unanswered = append(unanswered, p.ID)
		}
	}
	if fmt.Sprint(unanswered) != "[train/number_theory/7115.json train/number_theory/7117.json]" {
		t.Errorf("training problems without an answer: %v", unanswered)
	}
}

func TestLoadMATHFull(t *testing.T) {
	train, err := LoadMATH(sharedFile(t, "math/train_7500.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadMATH(sharedFile(t, "math/test_4500.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 7500 || len(test) != 4500 {
		t.Fatalf("got %d train, %d test", len(train), len(test))
	}
	unknownLevel := 0
	for _, p := range train {
		if p.Level == 0 {
			unknownLevel++
		}
		// Two solutions box nothing at all ("\boxed{}").
		if p.Answer == "" && !strings.Contains(p.Solution, `\boxed{}`) {
			t.Errorf("%s: no answer", p.ID)
		}
	}
	if unknownLevel != 2 {
		t.Errorf("train: %d problems with unknown level, want 2", unknownLevel)
	}
	for _, p := range train {
		if p.ID == "train/algebra/24014.json" && p.Answer != "2" {
			t.Errorf("brace-less \\boxed 2 gave %q", p.Answer)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for raw, want := range map[string]int{`3`: 3, `"Level 4"`: 4, `"Level ?"`: 0, `null`: 0, `"2"`: 2, ``: 0} {
		got, err := parseLevel([]byte(raw))
		if err != nil || got != want {
			t.Errorf("parseLevel(%s) = %d, %v; want %d", raw, got, err, want)
		}
	}
	if _, err := parseLevel([]byte(`"Level x"`)); err == nil {
		t.Error("want an error for Level x")
	}
}

func TestLoadErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.jsonl")
	body := `{"problem": "p", "answer": "1", "level": "Level 2"}` + "\n\n" + `{"problem": oops}` + "\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadMATH(p)
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:3:") {
		t.Fatalf("want an error naming bad.jsonl:3, got %v", err)
	}
	if _, err := LoadGSM8K(p); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1:") {
		t.Fatalf("GSM8K: want an error naming line 1 (no ####), got %v", err)
	}
	if _, err := LoadMATH(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Fatal("want an error for a missing file")
	}
}

func TestGSM8KAnswersAreNumbers(t *testing.T) {
	for _, split := range []struct {
		file string
		n    int
	}{{"gsm8k/test.jsonl", 1319}, {"gsm8k/train.jsonl", 7473}} {
		probs, err := LoadGSM8K(sharedFile(t, split.file))
		if err != nil {
			t.Fatal(err)
		}
		if len(probs) != split.n {
			t.Fatalf("%s: %d problems, want %d", split.file, len(probs), split.n)
		}
		for _, p := range probs {
			if _, err := strconv.ParseFloat(p.Answer, 64); err != nil {
				t.Errorf("%s: answer %q is not a number", p.ID, p.Answer)
			}
			if !Grade(p.Answer, p.Answer, PRM800K) {
				t.Errorf("%s: answer does not grade itself", p.ID)
			}
		}
		if split.file == "gsm8k/test.jsonl" && (probs[0].Answer != "18" || probs[0].ID != "test/0") {
			t.Errorf("first test problem: %+v", probs[0])
		}
	}
}
