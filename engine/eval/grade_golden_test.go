package eval

import (
	"bufio"
	"bytes"
	"colash/internal/testenv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The golden pairs: rewrites of the Math500 answers (gradepairs_gen_test.go)
// labelled by the real PRM800K grader and by an independent sympy check
// (testdata/label_pairs.py). PRM800K mode must agree with the grader on at
// least minAgreement of the pairs, on the tuning split and on the held-out
// split alike (one gold answer in five, never looked at while tuning).

const (
	goldenPairsFile = "testdata/grading_pairs.jsonl"
	minAgreement    = 0.995
)

func loadGoldenPairs(t *testing.T) []gradePair {
	t.Helper()
	b, err := os.ReadFile(goldenPairsFile)
	if err != nil {
		t.Fatal(err)
	}
	return decodePairs(t, b)
}

func decodePairs(t *testing.T, b []byte) []gradePair {
	t.Helper()
	var out []gradePair
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var p gradePair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil || p.PRM800K == nil {
			t.Fatalf("pairs line %d: %v (or no prm800k verdict)", n, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// agreement grades every pair in PRM800K mode and compares with the oracle,
// per split; it returns the disagreements, described.
func agreement(pairs []gradePair) (agree, total map[string]int, bad []string) {
	agree, total = map[string]int{}, map[string]int{}
	for _, p := range pairs {
		split := pairSplit(p.Gold)
		total[split]++
		if got := Grade(p.Given, p.Gold, PRM800K); got == *p.PRM800K {
			agree[split]++
		} else {
			bad = append(bad, fmt.Sprintf("%s: Grade(%q, %q) = %v, PRM800K says %v (%s; normal forms %q, %q)", split,
				p.Given, p.Gold, got, *p.PRM800K, p.Kind, prmNormalize(p.Given, PRM800K), prmNormalize(p.Gold, PRM800K)))
		}
	}
	return agree, total, bad
}

func checkAgreement(t *testing.T, pairs []gradePair) {
	t.Helper()
	agree, total, bad := agreement(pairs)
	for _, d := range bad {
		t.Log(d)
	}
	for _, split := range []string{"tune", "heldout"} {
		rate := float64(agree[split]) / float64(max(total[split], 1))
		t.Logf("PRM800K mode agrees with PRM800K's grader on %d of %d %s pairs (%.2f%%)", agree[split], total[split], split, 100*rate)
		if total[split] < 500 || rate < minAgreement {
			t.Errorf("%s split: %d of %d pairs agree (%.2f%%), want at least %.1f%% of at least 500",
				split, agree[split], total[split], 100*rate, 100*minAgreement)
		}
	}
}

func TestGradingPairsAgreement(t *testing.T) {
	checkAgreement(t, loadGoldenPairs(t))
}

// Strict mode never accepts a pair that PRM800K's grader and sympy both reject.
func TestStrictNeverAcceptsWrong(t *testing.T) {
	checked := 0
	for _, p := range loadGoldenPairs(t) {
		if *p.PRM800K || p.Sympy == nil || *p.Sympy {
			continue
		}
		checked++
		if Grade(p.Given, p.Gold, Strict) {
			t.Errorf("Strict accepts %q for %q (%s), which PRM800K and sympy reject; normal forms %q, %q",
				p.Given, p.Gold, p.Kind, prmNormalize(p.Given, Strict), prmNormalize(p.Gold, Strict))
		}
	}
	if checked < 1000 {
		t.Errorf("only %d pairs rejected by both PRM800K and sympy", checked)
	}
}

// runLabeller labels pairs with testdata/label_pairs.py and PRM800K's grader
// from the checkout named by COLASH_PRM800K.
func runLabeller(t *testing.T, pairs []gradePair) []byte {
	t.Helper()
	dir := os.Getenv("COLASH_PRM800K")
	if dir == "" {
		t.Skip("skipped: COLASH_PRM800K is not set (it names a checkout of github.com/openai/prm800k, which CI cannot fetch; the golden file carries its verdicts)")
	}
	python := testenv.PythonWith(t, "sympy", "pylatexenc")
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	enc.SetEscapeHTML(false)
	for _, p := range pairs {
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, filepath.Join("testdata", "label_pairs.py"))
	cmd.Stdin = &in
	cmd.Env = append(os.Environ(), "COLASH_PRM800K="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("label_pairs.py: %v\n%s", err, stderr.String())
	}
	t.Log(strings.TrimSpace(lastLine(stderr.String())))
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestLiveOracle grades freshly generated pairs against the live PRM800K
// grader and checks that the golden file still holds the same verdicts.
func TestLiveOracle(t *testing.T) {
	live := decodePairs(t, runLabeller(t, generatePairs()))
	checkAgreement(t, live)
	golden := map[[2]string]bool{}
	for _, p := range loadGoldenPairs(t) {
		golden[[2]string{p.Given, p.Gold}] = *p.PRM800K
	}
	stale := 0
	for _, p := range live {
		if v, ok := golden[[2]string{p.Given, p.Gold}]; !ok || v != *p.PRM800K {
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("%d live pairs are missing from %s or labelled otherwise; regenerate it (COLASH_REGEN_PAIRS=1)", stale, goldenPairsFile)
	}
}

// TestRegenerateGradingPairs rewrites the golden file; it runs only when asked.
func TestRegenerateGradingPairs(t *testing.T) {
	if os.Getenv("COLASH_REGEN_PAIRS") == "" {
		t.Skip("skipped: set COLASH_REGEN_PAIRS=1 and COLASH_PRM800K to rewrite " + goldenPairsFile)
	}
	out := runLabeller(t, generatePairs())
	if err := os.WriteFile(goldenPairsFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", goldenPairsFile, len(out))
}
