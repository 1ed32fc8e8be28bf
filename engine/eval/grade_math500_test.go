package eval

import (
	"strings"
	"testing"
)

func TestMath500LastBoxedIsAnswer(t *testing.T) {
	for _, p := range Math500() {
		got, ok := LastBoxed(p.Solution)
		if !ok || got != p.Answer {
			t.Errorf("%s: LastBoxed = %q, %v; answer %q", p.ID, got, ok, p.Answer)
		}
	}
}

func TestMath500GoldGradesItself(t *testing.T) {
	for _, mode := range []Mode{PRM800K, Strict} {
		for _, p := range Math500() {
			if !Grade(p.Answer, p.Answer, mode) {
				t.Errorf("%s: %q does not grade itself (%v)", p.ID, p.Answer, mode)
			}
			// The boxed form a model would write must pass through extraction too.
			got, ok := ExtractAnswer("so the answer is $\\boxed{" + p.Answer + "}$.")
			if !ok || !Grade(got, p.Answer, mode) {
				t.Errorf("%s: extracted %q from boxed gold (%v)", p.ID, got, mode)
			}
		}
	}
}

// Gold answers must also match their \dfrac / spacing variants and not each
// other: a grader that accepts everything would pass the self test.
func TestMath500GoldDistinct(t *testing.T) {
	probs := Math500()
	wrong := 0
	for i := 0; i+1 < len(probs); i++ {
		a, b := probs[i].Answer, probs[i+1].Answer
		// "5" and "x=5" are equal under Hendrycks' rules on purpose.
		for _, mode := range []Mode{PRM800K, Strict} {
			if mathdNormalize(a) != mathdNormalize(b) && Grade(a, b, mode) {
				wrong++
				t.Logf("%q graded equal to %q (%v)", a, b, mode)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d neighbouring distinct gold answers graded equal", wrong)
	}
}

// Harmless rewrites of every gold answer must still be graded correct.
func TestMath500GoldVariants(t *testing.T) {
	rewrites := []*strings.Replacer{
		strings.NewReplacer(`\frac`, `\dfrac`),
		strings.NewReplacer(" ", ""),
		strings.NewReplacer(`\left`, "", `\right`, ""),
		strings.NewReplacer(`\!`, ""),
	}
	for _, mode := range []Mode{PRM800K, Strict} {
		for _, p := range Math500() {
			for i, r := range rewrites {
				if v := r.Replace(p.Answer); !Grade(v, p.Answer, mode) {
					t.Errorf("%s: rewrite %d %q not graded equal to %q (%v)", p.ID, i, v, p.Answer, mode)
				}
			}
		}
	}
}
