package eval

import (
	"strings"
	"testing"
	"time"
)

func FuzzGrade(f *testing.F) {
	for _, c := range equivalentPairs {
		f.Add(c[0], c[1])
	}
	for _, c := range nonEquivalentPairs {
		f.Add(c[0], c[1])
	}
	f.Add(`\frac{\frac{\frac{1}{2}}{3}}{4}`, `2^{2^{2^{2^{2}}}}`)
	f.Add(`\sqrt[`, `\begin{array}{cc} 1 & 2 \\`)
	f.Add("((((((((((1))))))))))", "9^9^9^9")
	f.Fuzz(func(t *testing.T, given, gold string) {
		start := time.Now()
		for _, mode := range []Mode{PRM800K, Strict} {
			Grade(given, gold, mode)
			// Any answer matches itself: rule 1 compares the same normal form,
			// so this holds for every string, the empty one included.
			if !Grade(given, given, mode) {
				t.Fatalf("Grade(%q, itself, %v) = false", given, mode)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("grading %q vs %q took %v", given, gold, d)
		}
		// A boxed answer comes back out unchanged when its braces balance.
		if !strings.ContainsAny(given, "{}") {
			if got, ok := LastBoxed(`\boxed{` + given + `}`); !ok || got != given {
				t.Fatalf("LastBoxed round trip of %q gave %q, %v", given, got, ok)
			}
		}
	})
}
