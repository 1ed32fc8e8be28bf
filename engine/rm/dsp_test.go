package rm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/internal/testenv"
)

// The DSP file loads as 661 queries; domain pairs put the domain's answer first against each of
// the four others; the query split is disjoint, deterministic and about the fraction asked.
func TestDSPPairsAndSplit(t *testing.T) {
	qs, err := LoadDSP(testenv.Shared(t, "data/dsp/domain_specific_preference.test.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 661 {
		t.Fatalf("%d queries, want 661", len(qs))
	}
	pairs := DomainPairs(qs[:2], "literature")
	if len(pairs) != 8 || pairs[0].Chosen != qs[0].Responses["literature"] || pairs[3].Rejected != qs[0].Responses["normal"] ||
		!strings.HasPrefix(pairs[0].Prompt, "User: "+qs[0].Query) {
		t.Fatalf("pairs: %d, first %+v", len(pairs), pairs[0])
	}
	if n := len(DomainPairs(qs, "academy")); n != 661*4-1 {
		t.Errorf("academy: %d pairs, want 661·4 less the one empty normal answer", n)
	}
	for _, p := range pairs {
		if p.Chosen == p.Rejected {
			t.Errorf("a pair against itself: %q", p.Chosen[:40])
		}
	}
	train, held := SplitQueries(qs, 0.1, 0)
	train2, held2 := SplitQueries(qs, 0.1, 0)
	if len(train)+len(held) != 661 || len(held) < 40 || len(held) > 95 || len(held2) != len(held) || train2[0].Query != train[0].Query {
		t.Fatalf("split: %d train, %d held out", len(train), len(held))
	}
	inTrain := map[string]bool{}
	for _, q := range train {
		inTrain[q.Query] = true
	}
	for _, q := range held {
		if inTrain[q.Query] {
			t.Fatalf("query in both splits: %q", q.Query)
		}
	}
}

func TestDSPLoaderErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDSP(filepath.Join(dir, "none.json")); err == nil || !strings.Contains(err.Error(), "not shipped") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"query": "q", "responses": {"academy": "a", "business": "b", "entertainment": "e", "literature": "l"}}]`), 0o644)
	if _, err := LoadDSP(bad); err == nil || !strings.Contains(err.Error(), `record 0 has no "normal"`) {
		t.Errorf("a record without normal: %v", err)
	}
	if err := CheckDomain("normal"); err == nil {
		t.Errorf("normal is no preference domain")
	}
}
