package household

import (
	"slices"
	"strings"
	"testing"
)

// splitVocab is every room, receptacle kind and object name of the split's lists.
func splitVocab(split string) map[string]bool {
	sp := splits[split]
	m := map[string]bool{}
	for _, k := range sp.kinds {
		m[k.name] = true
	}
	for _, s := range append(slices.Clone(sp.objects), sp.rooms...) {
		m[s] = true
	}
	return m
}

// episodeNames is the room, the receptacle kinds (numbers cut off) and the objects of an episode.
func episodeNames(w *world) []string {
	out := []string{w.room}
	for _, r := range w.recs {
		base, _, _ := strings.Cut(r.name, " ")
		out = append(out, base)
		for _, it := range r.items {
			out = append(out, it.name)
		}
	}
	return out
}

// Invented and spelled episodes name nothing of the seen or unseen split (the appliances aside),
// in their layouts or anywhere in their transcripts, detours included; their own names are
// lowercase words (invented: 4 to 8 letters, spelled: 3 to 9), different within an episode and
// varied across episodes; and the expert solves them as it does the seen split's.
func TestInventedNames(t *testing.T) {
	for _, c := range []struct {
		split  string
		lo, hi int
	}{{"invented", 4, 8}, {"spelled", 3, 9}} {
		t.Run(c.split, func(t *testing.T) { checkInventedNames(t, c.split, c.lo, c.hi) })
	}
}

func checkInventedNames(t *testing.T, split string, lo, hi int) {
	unseen, seen := splitVocab("unseen"), splitVocab("seen")
	appliance := map[string]bool{fridge: true, microwave: true, sinkbasin: true}
	all := map[string]bool{}
	const n = 2000
	for seed := range uint64(n) {
		e := newEnv(t, Config{Split: split})
		if _, err := e.Reset(seed); err != nil {
			t.Fatal(err)
		}
		sp := e.w.names
		invented := append(append([]string{}, sp.rooms...), sp.objects...)
		for _, k := range sp.kinds {
			invented = append(invented, k.name)
		}
		mine := map[string]bool{}
		for _, s := range invented {
			if len(s) < lo || len(s) > hi || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Fatalf("seed %d: invented name %q", seed, s)
			}
			if unseen[s] || seen[s] || appliance[s] || mine[s] {
				t.Fatalf("seed %d: invented name %q is taken", seed, s)
			}
			mine[s] = true
			all[s] = true
		}
		for _, s := range episodeNames(e.w) {
			if !mine[s] && !appliance[s] {
				t.Fatalf("seed %d: %q is not of the episode's invented names %v", seed, s, invented)
			}
		}
		for _, detours := range []int{0, 2} {
			tr, actions, err := ExpertDetours(Config{Split: split}, seed, detours)
			if err != nil || len(actions) > DefaultMaxSteps {
				t.Fatalf("seed %d, %d detours: %v\n%s", seed, detours, err, tr)
			}
			for _, w := range words(tr) {
				if unseen[w] || seen[w] {
					t.Fatalf("seed %d, %d detours: the word %s is a seen or unseen name\n%s", seed, detours, w, tr)
				}
			}
		}
	}
	if len(all) < 10*n {
		t.Errorf("only %d different invented names in %d episodes", len(all), n)
	}
	tr, _, _ := Expert(Config{Split: split}, 1)
	t.Logf("%s seed 1:\n%s", split, tr)
}

// The invented split is the seen split's shape: its numbers, not its names.
func TestInventedShape(t *testing.T) {
	seen, inv := *splits["seen"], *splits["invented"]
	if inv.invent == nil || inv.salt == seen.salt {
		t.Fatal("the invented split must invent names from its own seeds")
	}
	if seen.minRecs != inv.minRecs || seen.maxRecs != inv.maxRecs || seen.minDistract != inv.minDistract ||
		seen.maxDistract != inv.maxDistract || seen.pairPct != inv.pairPct || seen.appliancePct != inv.appliancePct {
		t.Error("the invented split's layout numbers differ from the seen split's")
	}
	if _, err := New(Config{Split: "invented"}); err != nil {
		t.Fatal(err)
	}
}

// Spelled names use every letter, doubled letters and every length from 3 to 9; the invented
// split's syllables never hold j, q, x or y, nor a doubled letter, which real names have.
func TestSpelledNamesSpellAnything(t *testing.T) {
	letters := func(split string) (map[rune]bool, bool, map[int]bool) {
		seenLetter, doubled, lengths := map[rune]bool{}, false, map[int]bool{}
		for seed := range uint64(300) {
			sp := splits[split]
			w, err := sp.layout(seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range episodeNames(w) {
				if name == fridge || name == microwave || name == sinkbasin {
					continue
				}
				lengths[len(name)] = true
				for i, r := range name {
					seenLetter[r] = true
					doubled = doubled || (i > 0 && name[i-1] == byte(r))
				}
			}
		}
		return seenLetter, doubled, lengths
	}
	sl, sd, sn := letters("spelled")
	for r := 'a'; r <= 'z'; r++ {
		if !sl[r] {
			t.Errorf("no spelled name has %c", r)
		}
	}
	for n := 3; n <= 9; n++ {
		if !sn[n] {
			t.Errorf("no spelled name of %d letters", n)
		}
	}
	if !sd {
		t.Error("no spelled name doubles a letter")
	}
	il, id, _ := letters("invented")
	for _, r := range "jqxy" {
		if il[r] {
			t.Errorf("an invented name has %c", r)
		}
	}
	if id {
		t.Error("an invented name doubles a letter")
	}
}
