package testbed

import (
	"slices"
	"strings"
	"testing"

	"colash/engine/env/household"
	"colash/engine/tasks"
)

// The seed streams of the plain, detour and invented episodes never meet: bits 63 and 62 of an
// episode seed tell them apart for every corpus seed below 2^42.
func TestEpisodeStreams(t *testing.T) {
	for _, seed := range []uint64{0, 1, 2, 7, 1 << 20, 1<<42 - 1} {
		for _, i := range []int{0, 1, 999, 1<<20 - 1} {
			plain := EpisodeSeed(seed, i)
			detour := EpisodeSeed(seed^detourStream, i)
			invented := EpisodeSeed(seed^inventedStream, i)
			if plain>>62 != 0 || detour>>62 != 2 || invented>>62 != 1 {
				t.Fatalf("seed %d, %d: %x %x %x", seed, i, plain, detour, invented)
			}
		}
	}
}

func TestCorpusHousehold(t *testing.T) {
	if _, err := Corpus(Mix{HouseholdDetours: -1}, 1); err == nil {
		t.Error("a negative count must fail")
	}
	plain, err := Corpus(Mix{Household: 30}, 1)
	if err != nil {
		t.Fatal(err)
	}
	mix := Mix{Household: 30, HouseholdDetours: 40, HouseholdInvented: 30, HouseholdSpelled: 20}
	docs, err := Corpus(mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Corpus(mix, 1)
	if len(docs) != 120 || !slices.Equal(docs, again) {
		t.Fatalf("%d documents, or two corpora of one seed differ", len(docs))
	}
	// The seen episodes are those of a corpus without the new kinds; every household document is
	// a new episode.
	have := map[string]bool{}
	for _, d := range docs {
		if have[d] {
			t.Fatalf("a document twice:\n%s", d)
		}
		have[d] = true
	}
	for _, d := range plain {
		if !have[d] {
			t.Fatalf("a seen episode is missing:\n%s", d)
		}
	}

	// The detour episodes all have a detour (some "nothing happens.").
	detoured, err := detourEpisodes("seen", 40, 1^detourStream, func(i int) int { return 1 + i%2 })
	if err != nil {
		t.Fatal(err)
	}
	invented, err := detourEpisodes("invented", 30, 1^inventedStream, func(i int) int { return i % 3 })
	if err != nil {
		t.Fatal(err)
	}
	expert := map[string]bool{} // the stream's episodes without detours
	for j := range 100 {
		tr, _, _ := household.Expert(household.Config{}, EpisodeSeed(1^detourStream, j))
		expert[tr] = true
	}
	nothing := 0
	for i, d := range detoured {
		if !have[d] || expert[d] {
			t.Fatalf("detour episode %d:\n%s", i, d)
		}
		if strings.Contains(d, "nothing happens.") {
			nothing++
		}
	}
	if nothing < 10 {
		t.Errorf("only %d of 40 detour episodes try a thing that is not there", nothing)
	}
	spelled, err := detourEpisodes("spelled", 20, 1^spelledStream, func(i int) int { return i % 3 })
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(invented, spelled...) {
		if !have[d] || !strings.HasPrefix(d, "task: ") {
			t.Fatalf("invented or spelled episode:\n%s", d)
		}
	}
}

// The arith format changes only the arith documents' solutions, and a wrong name is refused.
func TestCorpusArithFormat(t *testing.T) {
	mix := Mix{CD3: 20, Arith: 40}
	plain, err := Corpus(mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	mix.ArithFormat = tasks.ArithDigits
	digits, err := Corpus(mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range plain {
		isArith := strings.HasPrefix(plain[i], "arith ")
		if !isArith && plain[i] != digits[i] || isArith && !strings.HasPrefix(digits[i], strings.SplitN(plain[i], "\n", 2)[0]+"\n") {
			t.Fatalf("document %d:\n%s\nbecame\n%s", i, plain[i], digits[i])
		}
		if isArith && len(digits[i]) > len(plain[i]) && strings.Contains(digits[i], ",0,") {
			changed++
		}
	}
	if changed != 40 {
		t.Errorf("%d of 40 arith documents worked digit by digit", changed)
	}
	mix.ArithFormat = "columns"
	if _, err := Corpus(mix, 1); err == nil || !strings.Contains(err.Error(), "columns") {
		t.Errorf("format columns: %v", err)
	}
}
