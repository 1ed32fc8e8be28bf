package tasks

import (
	"slices"
	"strings"
	"testing"
)

func TestVerifyCountdown(t *testing.T) {
	p := Problem{Nums: []int{12, 7, 45}, Target: 40}
	frac := Problem{Nums: []int{1, 5, 6, 7}, Target: 21}
	dup := Problem{Nums: []int{3, 3, 8, 8}, Target: 24}
	zero := Problem{Nums: []int{3, 3, 8}, Target: 8}
	for _, tc := range []struct {
		name       string
		p          Problem
		completion string
		want       bool
		answer     string
	}{
		{"right", p, "Answer: 45-12+7", true, "45-12+7"},
		{"right, spaces and newline", p, "Answer:  7 + ( 45 - 12 ) \nmore", true, "7 + ( 45 - 12 )"},
		{"right, redundant parentheses", p, "Answer: ((45))-(12-7)", true, "((45))-(12-7)"},
		{"right, nested parentheses", p, "Answer: ((45)-(12))+7", true, "((45)-(12))+7"},
		{"right after a trace", p, "45-12=33 , 7 33\n33+7=40\nAnswer: 45-12+7\n", true, "45-12+7"},
		{"right via fractions", frac, "Answer: 6/(1-5/7)", true, "6/(1-5/7)"},
		{"right with repeated numbers", dup, "Answer: 8/(3-8/3)", true, "8/(3-8/3)"},
		{"a number used twice", dup, "Answer: 8/(3-8/8)", false, "8/(3-8/8)"},
		{"a number used twice, right value", p, "Answer: 45-12+7-12+12", false, "45-12+7-12+12"},
		{"a number missing", Problem{Nums: []int{12, 7, 45}, Target: 57}, "Answer: 45+12", false, "45+12"},
		{"an extra number", p, "Answer: 45-12+7*1", false, "45-12+7*1"},
		{"right value, wrong numbers", p, "Answer: 45-10+5", false, "45-10+5"},
		{"wrong value", p, "Answer: 45+12-7", false, "45+12-7"},
		{"division by zero", zero, "Answer: 8/(3-3)", false, "8/(3-3)"},
		{"unbalanced open", p, "Answer: (45-12+7", false, "(45-12+7"},
		{"unbalanced close", p, "Answer: 45-12)+7", false, "45-12)+7"},
		{"empty parentheses", p, "Answer: 45-12+7()", false, "45-12+7()"},
		{"unary minus", p, "Answer: -12+45+7", false, "-12+45+7"},
		{"trailing operator", p, "Answer: 45-12+7+", false, "45-12+7+"},
		{"trailing junk", p, "Answer: 45-12+7 = 40", false, "45-12+7 = 40"},
		{"trailing words", p, "Answer: 45-12+7 done", false, "45-12+7 done"},
		{"numbers without operator", p, "Answer: 45 12 7", false, "45 12 7"},
		{"digits split by a space", p, "Answer: 4 5-12+7", false, "4 5-12+7"},
		{"empty answer", p, "Answer:\n45-12+7", false, ""},
		{"no Answer line", p, "45-12+7", false, ""},
		{"lowercase answer", p, "answer: 45-12+7", false, ""},
		{"the first Answer counts", p, "Answer: 45+7\nAnswer: 45-12+7", false, "45+7"},
		{"a later wrong Answer is ignored", p, "Answer: 45-12+7\nAnswer: 1", true, "45-12+7"},
		{"huge number", p, "Answer: 45-12+7+0*99999999999999999999999999", false, "45-12+7+0*99999999999999999999999999"},
	} {
		got, answer := Verify(tc.p, tc.completion)
		if got != tc.want || answer != tc.answer {
			t.Errorf("%s: Verify(%v, %q) = %v, %q; want %v, %q", tc.name, tc.p, tc.completion, got, answer, tc.want, tc.answer)
		}
		if r := Reward(tc.p, tc.completion); r != map[bool]float64{true: 1, false: 0}[tc.want] {
			t.Errorf("%s: Reward = %v", tc.name, r)
		}
	}
}

func TestSolve(t *testing.T) {
	for _, tc := range []struct {
		p  Problem
		ok bool
	}{
		{Problem{Nums: []int{12, 7, 45}, Target: 40}, true},
		{Problem{Nums: []int{1, 5, 6, 7}, Target: 21}, true}, // only through fractions
		{Problem{Nums: []int{3, 3, 8, 8}, Target: 24}, true}, // only through fractions
		{Problem{Nums: []int{4, 4, 10, 10}, Target: 24}, true},
		{Problem{Nums: []int{2, 2}, Target: 4}, true},
		{Problem{Nums: []int{1, 1, 1}, Target: 100}, false},
		{Problem{Nums: []int{1, 2, 3, 4, 5}, Target: 997}, false},
		{Problem{Nums: []int{99, 98, 97, 96, 95}, Target: 1}, true},
	} {
		expr, ok := Solve(tc.p)
		if ok != tc.ok {
			t.Errorf("Solve(%v) = %q, %v; want ok %v", tc.p, expr, ok, tc.ok)
			continue
		}
		sol, direct := Solution(tc.p), DirectSolution(tc.p)
		if !ok {
			if sol != "" || direct != "" {
				t.Errorf("unsolvable %v: Solution %q, DirectSolution %q; want empty", tc.p, sol, direct)
			}
			continue
		}
		if good, _ := Verify(tc.p, "Answer: "+expr); !good {
			t.Errorf("Solve(%v) = %q does not verify", tc.p, expr)
		}
		if direct != "Answer: "+expr+"\n" {
			t.Errorf("DirectSolution(%v) = %q", tc.p, direct)
		}
		checkTrace(t, tc.p, sol)
	}
}

func TestGenerateErrors(t *testing.T) {
	_, err := Generate("cd5", 3, 1)
	if err == nil || !strings.Contains(err.Error(), `"cd5"`) || !strings.Contains(err.Error(), "cd3, cd4") {
		t.Errorf("unknown level: %v", err)
	}
	if _, err := Generate("cd3", -1, 1); err == nil {
		t.Error("negative count: no error")
	}
	if ps, err := Generate("cd3", 0, 1); err != nil || len(ps) != 0 {
		t.Errorf("zero count: %v, %v", ps, err)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, lv := range Levels() {
		a, _ := Generate(lv, 50, 7)
		b, _ := Generate(lv, 50, 7)
		c, _ := Generate(lv, 50, 8)
		if !slices.EqualFunc(a, b, sameProblem) {
			t.Errorf("%s: seed 7 gave two different sets", lv)
		}
		same := 0
		for i := range a {
			if sameProblem(a[i], c[i]) {
				same++
			}
		}
		if same > 5 {
			t.Errorf("%s: seeds 7 and 8 share %d of 50 problems", lv, same)
		}
	}
}

func sameProblem(a, b Problem) bool { return a.Target == b.Target && slices.Equal(a.Nums, b.Nums) }

// generated draws the 2000 problems per level that the bulk tests share.
func generated(t *testing.T, lv string) []Problem {
	t.Helper()
	ps, err := Generate(lv, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestGeneratedProblems(t *testing.T) {
	for _, tc := range []struct {
		lv            string
		count, maxNum int
	}{{"cd3", 3, 50}, {"cd4", 4, 99}} {
		ps := generated(t, tc.lv)
		targets := map[int]int{}
		sum, longest := 0, 0
		for _, p := range ps {
			if len(p.Nums) != tc.count || p.Target < 1 || p.Target > 100 {
				t.Fatalf("%s: bad problem %v", tc.lv, p)
			}
			for _, x := range p.Nums {
				if x < 1 || x > tc.maxNum {
					t.Fatalf("%s: number out of range in %v", tc.lv, p)
				}
			}
			targets[p.Target]++
			sol := Solution(p)
			if sol == "" {
				t.Fatalf("%s: %v has no solution", tc.lv, p)
			}
			checkTrace(t, p, sol)
			text := Prompt(p) + sol
			if len(text) > MaxChars {
				t.Fatalf("%s: %d characters:\n%s", tc.lv, len(text), text)
			}
			if i := strings.IndexFunc(text, func(r rune) bool { return !strings.ContainsRune(Alphabet, r) }); i >= 0 {
				t.Fatalf("%s: character %q outside the alphabet:\n%s", tc.lv, text[i], text)
			}
			if ok, _ := Verify(p, DirectSolution(p)); !ok {
				t.Fatalf("%s: DirectSolution of %v does not verify", tc.lv, p)
			}
			sum += len(text)
			longest = max(longest, len(text))
		}
		// Targets are drawn among the reachable ones, so they spread over 1..100.
		if len(targets) < 90 {
			t.Errorf("%s: only %d distinct targets", tc.lv, len(targets))
		}
		t.Logf("%s: prompt+solution mean %.1f max %d characters over %d problems", tc.lv, float64(sum)/float64(len(ps)), longest, len(ps))
	}
}

func TestPromptAndExample(t *testing.T) {
	p := Problem{Nums: []int{12, 7, 45}, Target: 60}
	if got := Prompt(p); got != "countdown 12 7 45 > 60\n" {
		t.Errorf("Prompt = %q", got)
	}
	if p.Prompt() != Prompt(p) || p.Solution() != Solution(p) || p.DirectSolution() != DirectSolution(p) {
		t.Error("methods disagree with functions")
	}
	// A problem whose trace has dead ends, to pin the format.
	q := Problem{Nums: []int{57, 99, 62, 44}, Target: 11}
	want := "99-62=37 , 57 44 37\n57-44=13 , 37 13\n37-13=24 x\nback 57 44 37\n"
	if sol := Solution(q); !strings.HasPrefix(sol, want) || !strings.HasSuffix(sol, "\nAnswer: (99-44)/(62-57)\n") {
		t.Errorf("Solution(%v) =\n%s", q, sol)
	}
}

func TestReachable(t *testing.T) {
	// 1 2 reach 3 (+), 1 (-), 2 (* and /) and 1/2; only integers 1..max count.
	if got := reachable([]int{1, 2}, 100); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("reachable(1 2) = %v", got)
	}
	// Every reachable target is solvable and every other one is not.
	nums := []int{3, 9, 14}
	got := reachable(nums, 100)
	for target := 1; target <= 100; target++ {
		_, ok := Solve(Problem{Nums: nums, Target: target})
		if ok != slices.Contains(got, target) {
			t.Errorf("target %d: Solve %v, reachable %v", target, ok, !ok)
		}
	}
}

// Problems outside the file limits must not crash the solver or the verifier.
func TestOutOfRangeProblems(t *testing.T) {
	for _, p := range []Problem{
		{},
		{Nums: []int{7}, Target: 7},
		{Nums: []int{1 << 62, 1 << 62}, Target: 1},
		{Nums: []int{-3, 5}, Target: 2},
		{Nums: []int{0, 0, 0}, Target: 0},
	} {
		expr, ok := Solve(p)
		Solution(p)
		if ok {
			if good, _ := Verify(p, "Answer: "+expr); !good {
				t.Errorf("Solve(%v) = %q does not verify", p, expr)
			}
		}
		Verify(p, "Answer: 1+2")
	}
}
