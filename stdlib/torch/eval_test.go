package torch_test

import (
	"strings"
	"testing"

	colash "colash/stdlib"
)

// Scripts get the embedded MATH-500 and the grader through the runtime: no data folder.
func TestMath500AndGrade(t *testing.T) {
	all := colash.Math500(0)
	if len(all) != 500 {
		t.Fatalf("Math500(0) has %d problems", len(all))
	}
	three := colash.Math500(3)
	if len(three) != 3 || three[2].Problem != all[2].Problem || three[0].Answer == "" || three[0].Level < 1 {
		t.Fatalf("Math500(3): %+v", three)
	}
	for _, p := range all[:20] {
		if !colash.Grade(p.Answer, p.Answer) {
			t.Fatalf("gold %q does not grade itself", p.Answer)
		}
	}
	if !colash.Grade("0.5", `\frac12`) || colash.Grade("2/4", `\frac12`) || colash.Grade("3", "4") {
		t.Fatal("prm800k grading")
	}
	// a PRM800K quirk (pylatexenc reads 1/2√(3)) that strict grading refuses
	if q, gold := `\frac{1}{2\sqrt{3}}`, `\frac{\sqrt{3}}{2}`; !colash.Grade(q, gold) || colash.GradeStrict(q, gold) {
		t.Fatal("the grading modes do not part on a PRM800K quirk")
	}
	if a := colash.Answer(`so $x = \boxed{\frac{1}{2}}$.`); a != `\frac{1}{2}` {
		t.Fatalf("answer %q", a)
	}
	if a := colash.Answer("about 42 apples"); a != "" {
		t.Fatalf("answer without one: %q", a)
	}
}

// Node texts and the answer keep the leading space of a continuation (as Generate's Text does).
func TestSearchTextKeepsLeadingSpace(t *testing.T) {
	m := colash.Load("cola")
	tr := m.Search("Tom and Sue went to the park.", colash.SearchOpts{Method: "mcts", Budget: 400, Tokens: 12, Seed: 1,
		Reward: func(p, c string) float64 { return float64(strings.Count(c, " a ")) }})
	if !strings.HasPrefix(tr.Answer, " ") {
		t.Fatalf("answer %q lost its leading space", tr.Answer)
	}
	spaced := 0
	for _, c := range tr.Nodes()[0].Children {
		if strings.HasPrefix(c.Text, " ") {
			spaced++
		}
	}
	if spaced == 0 {
		t.Fatalf("no first edge starts with a space: %v", tr.Nodes()[0].Children)
	}
}
