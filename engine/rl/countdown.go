package rl

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Countdown is the arithmetic game: reach Meta["target"] from the numbers in Meta["numbers"]
// (space-separated) with + - * / and parentheses, each number used at most once. The answer is
// the completion's first line, read as far as it is arithmetic. The reward is 1 for an exact hit
// (rational arithmetic), FormatScore for a well-formed expression over the given numbers that
// misses, else 0 (the TinyZero scoring).
type Countdown struct{ FormatScore float64 }

func (c Countdown) Reward(_, completion string, ex Example) (float64, error) {
	target, err := strconv.Atoi(ex.Meta["target"])
	if err != nil {
		return 0, fmt.Errorf("countdown: example has no integer target: %q", ex.Meta["target"])
	}
	pool := map[int64]int{}
	for _, f := range strings.Fields(ex.Meta["numbers"]) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("countdown: bad number %q", f)
		}
		pool[n]++
	}
	line, _, _ := strings.Cut(completion, "\n")
	v, used, ok := evalArith(line)
	if !ok {
		return 0, nil
	}
	for _, n := range used {
		if pool[n]--; pool[n] < 0 {
			return 0, nil
		}
	}
	if v.Cmp(big.NewRat(int64(target), 1)) == 0 {
		return 1, nil
	}
	return c.FormatScore, nil
}

// countdownExamples are n seeded problems: three numbers from 1 to 9 and the value of a random
// expression a op b op c over them (left to right), positive.
func countdownExamples(n int, seed uint64) []Example {
	r := rand.New(rand.NewPCG(seed, 0xC0DE))
	var out []Example
	for len(out) < n {
		a, b, c := r.IntN(9)+1, r.IntN(9)+1, r.IntN(9)+1
		ops := "+-*"
		o1, o2 := ops[r.IntN(3)], ops[r.IntN(3)]
		t := apply(apply(a, o1, b), o2, c)
		if t <= 0 {
			continue
		}
		nums := fmt.Sprintf("%d %d %d", a, b, c)
		p := fmt.Sprintf("Use the numbers %d, %d and %d to make %d. The answer is ", a, b, c, t)
		out = append(out, Example{Prompt: p, Answer: fmt.Sprintf("(%d%c%d)%c%d", a, o1, b, o2, c),
			Meta: map[string]string{"numbers": nums, "target": strconv.Itoa(t)}})
	}
	return out
}

func apply(x int, op byte, y int) int {
	switch op {
	case '+':
		return x + y
	case '-':
		return x - y
	}
	return x * y
}
