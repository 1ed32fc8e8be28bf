package recipes

import (
	"testing"

	"colash/engine/job"
)

// Every kind is complete, and every reference its table declares (a `ref` tag) names what a
// recipe can resolve: an output some kind makes, or a file.
func TestKindsDeclareResolvableReferences(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds {
		if k.name == "" || k.blank == nil || k.run == nil || seen[k.name] {
			t.Errorf("kind %q: a name (once), blank and run are required", k.name)
		}
		seen[k.name] = true
		for _, m := range k.makes {
			if _, ok := outputFile[m]; !ok {
				t.Errorf("kind %s makes %q, which has no file in its folder", k.name, m)
			}
		}
		s := Stage{Kind: k.name, Job: k.blank()}
		for _, rf := range s.refs() {
			if rf.What != job.FileRef && len(kindsMaking(rf.What)) == 0 {
				t.Errorf("kind %s: %s is tagged ref:%q, which no kind makes", k.name, rf.Key, rf.What)
			}
		}
	}
	// The references the tags declare, kind by kind (a tag lost is a check lost).
	s := Stage{Kind: "search", Job: searchKind.blank()}
	if got := len(s.refs()); got != 3 {
		t.Errorf("search stage: %d references, want model, qnet and reward_model", got)
	}
}
