package tasks

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Problem is a countdown problem: reach Target from Nums, every number used exactly once, with
// + - * / and parentheses; intermediate values may be fractions.
type Problem struct {
	Nums   []int
	Target int
}

// level is the shape of generated problems (as TinyZero's Countdown-Tasks-3to4).
type level struct {
	count, maxNum int
	stream        uint64 // the PCG stream, so cd3 and cd4 with one seed are unrelated
}

var levels = map[string]level{
	"cd3": {count: 3, maxNum: 50, stream: 0xcd3},
	"cd4": {count: 4, maxNum: 99, stream: 0xcd4},
}

// genMaxTarget is the largest generated target; generated targets are 1..genMaxTarget.
const genMaxTarget = 100

// Limits on countdown problems from files, loose enough for published sets and tight enough that
// the solver stays instant and its int64 arithmetic exact.
const (
	minNums   = 2
	maxNums   = 5
	maxNum    = 100 // numbers are 1..maxNum
	maxTarget = 1000
)

// Levels lists the countdown levels, for help texts and errors.
func Levels() []string {
	out := make([]string, 0, len(levels))
	for k := range levels {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func unknownLevel(name string) error {
	return fmt.Errorf("unknown countdown level %q (valid: %s)", name, strings.Join(Levels(), ", "))
}

// Generate draws n solvable problems of a level, the same ones for the same seed. It draws the
// numbers, then a target uniformly among the integers 1..100 an expression over them reaches, so
// targets are as varied as the numbers allow (numbers with no reachable target are redrawn).
func Generate(levelName string, n int, seed uint64) ([]Problem, error) {
	lv, ok := levels[levelName]
	if !ok {
		return nil, unknownLevel(levelName)
	}
	if n < 0 {
		return nil, fmt.Errorf("countdown: negative problem count %d", n)
	}
	r := rand.New(rand.NewPCG(seed, lv.stream))
	out := make([]Problem, 0, n)
	for len(out) < n {
		nums := make([]int, lv.count)
		for i := range nums {
			nums[i] = 1 + r.IntN(lv.maxNum)
		}
		targets := reachable(nums, genMaxTarget)
		if len(targets) == 0 {
			continue
		}
		out = append(out, Problem{Nums: nums, Target: targets[r.IntN(len(targets))]})
	}
	return out, nil
}

// Prompt is the text the model continues, e.g. "countdown 12 7 45 > 60\n".
func Prompt(p Problem) string {
	var b strings.Builder
	b.WriteString("countdown")
	for _, x := range p.Nums {
		b.WriteString(" " + itoa(x))
	}
	b.WriteString(" > " + itoa(p.Target) + "\n")
	return b.String()
}

// Verify reads the expression after the first "Answer:" of completion (to the end of that line,
// spaces around it ignored). It is correct iff the expression parses completely (integers,
// + - * /, parentheses, spaces; no unary minus), uses every number of p exactly as often as p
// has it, and evaluates exactly to p.Target with no division by zero. answer is the text read.
func Verify(p Problem, completion string) (correct bool, answer string) {
	answer, found := answerText(completion)
	if !found || len(answer) > maxAnswerLen {
		return false, answer
	}
	v, used, ok := evalExpr(answer)
	if !ok || len(used) != len(p.Nums) {
		return false, answer
	}
	want := make([]string, len(p.Nums))
	for i, x := range p.Nums {
		want[i] = itoa(x)
	}
	slices.Sort(want)
	slices.Sort(used)
	if !slices.Equal(used, want) {
		return false, answer
	}
	return v.Cmp(big.NewRat(int64(p.Target), 1)) == 0, answer
}

// validate checks p against the limits on problems from files.
func (p Problem) validate() error {
	if len(p.Nums) < minNums || len(p.Nums) > maxNums {
		return fmt.Errorf("%d numbers, want %d to %d", len(p.Nums), minNums, maxNums)
	}
	for _, x := range p.Nums {
		if x < 1 || x > maxNum {
			return fmt.Errorf("number %d out of range 1..%d", x, maxNum)
		}
	}
	if p.Target < 1 || p.Target > maxTarget {
		return fmt.Errorf("target %d out of range 1..%d", p.Target, maxTarget)
	}
	return nil
}

// The methods make a Problem an Item.

func (p Problem) Prompt() string         { return Prompt(p) }
func (p Problem) Solution() string       { return Solution(p) }
func (p Problem) DirectSolution() string { return DirectSolution(p) }
func (p Problem) Verify(completion string) (bool, string) {
	return Verify(p, completion)
}

// Fields are the JSON fields of p: "nums" and "target".
func (p Problem) Fields() map[string]any {
	return map[string]any{"nums": slices.Clone(p.Nums), "target": p.Target}
}

func itoa(x int) string { return strconv.Itoa(x) }
