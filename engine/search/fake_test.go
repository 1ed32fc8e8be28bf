package search

import "math"

// fake is a deterministic model over integer tokens: a state is its token list. By default the
// policy prefers code 0, then 1, ...; code c after state s gives token 10+c (EOS is 0); rollouts
// take code 0 and end with EOS once a state is eosAt tokens long.
type fake struct {
	C     int
	probs func(s []int) []float64 // nil: the default preference
	q     func(s []int) []float64 // nil: no Q-network
	token func(s []int, code int) int
	eosAt int
	// seeded: extensions and rollouts take code (seed + step) mod C at each step, sequence i of a
	// rollout seed + i, so that their tokens follow the seeds a search passes.
	seeded bool

	cnt     Counter
	live    int
	extends int
	roots   [][]int
	temps   []float64
}

type fstate struct{ toks []int }

func (f *fake) own(toks []int) State {
	f.live++
	return &fstate{toks: append([]int(nil), toks...)}
}

func (f *fake) Root(prompt []int) (State, error) {
	f.roots = append(f.roots, append([]int(nil), prompt...))
	f.cnt.Add(len(prompt), 0, f.q != nil)
	return f.own(prompt), nil
}

func (f *fake) Eval(s State) ([]float64, []float64, error) {
	toks := s.(*fstate).toks
	var p []float64
	if f.probs != nil {
		p = f.probs(toks)
	} else {
		p = make([]float64, f.C)
		z := 0.0
		for i := range p {
			p[i] = math.Pow(0.5, float64(i))
			z += p[i]
		}
		for i := range p {
			p[i] /= z
		}
	}
	var q []float64
	if f.q != nil {
		q = f.q(toks)
	}
	return p, q, nil
}

func (f *fake) next(toks []int, code int) int {
	if f.token != nil {
		return f.token(toks, code)
	}
	if f.eosAt > 0 && len(toks)+1 >= f.eosAt {
		return 0
	}
	return 10 + code
}

func (f *fake) Step(s State, codes []int) ([]State, []int, error) {
	var out []State
	var toks []int
	for _, code := range codes {
		prev := s.(*fstate).toks
		tok := f.next(prev, code)
		f.cnt.Add(1, 1, f.q != nil)
		out, toks = append(out, f.own(append(append([]int(nil), prev...), tok))), append(toks, tok)
	}
	return out, toks, nil
}

func (f *fake) gen(toks []int, n int, seed uint64) (out, codes []int) {
	cur := append([]int(nil), toks...)
	for len(out) < n {
		code := 0
		if f.seeded {
			code = int((seed + uint64(len(out))) % uint64(f.C))
		}
		tok := f.next(cur, code)
		f.cnt.Add(1, 1, false)
		cur, out, codes = append(cur, tok), append(out, tok), append(codes, code)
		if tok == 0 {
			break
		}
	}
	return out, codes
}

func (f *fake) Extend(states []State, n []int, temp float64, seeds []uint64) ([]State, [][]int, [][]int, error) {
	var ends []State
	var outs, codes [][]int
	for i, s := range states {
		f.extends++
		f.temps = append(f.temps, temp)
		toks := s.(*fstate).toks
		out, cs := f.gen(toks, n[i], seeds[i])
		ends, outs, codes = append(ends, f.own(append(append([]int(nil), toks...), out...))), append(outs, out), append(codes, cs)
	}
	return ends, outs, codes, nil
}

func (f *fake) Rollout(states []State, n int, temp float64, seed uint64) ([][]int, error) {
	f.temps = append(f.temps, temp)
	outs := make([][]int, len(states))
	for i, s := range states {
		outs[i], _ = f.gen(s.(*fstate).toks, n, seed+uint64(i))
	}
	return outs, nil
}

func (f *fake) Free(State)           { f.live-- }
func (f *fake) Stop(t int) bool      { return t == 0 }
func (f *fake) Counter() *Counter    { return &f.cnt }
func probsOf(p ...float64) []float64 { return p }
