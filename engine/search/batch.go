package search

import (
	"fmt"
	"runtime"
	"slices"
)

// RunBatch answers several prompts as Run answers each alone (prompt i with rewards[i] and
// opts[i]): the same trees, answers and forward tokens (Stats.Time aside), and c's counter gains
// what they all spent. The searches run side by side, one goroutine each, and their model calls
// meet at a barrier: once every search still running waits on a call, the cheapest kind of call
// among them runs for all that asked for it, as one batch where it batches (rollouts across
// problems and children, extensions, world-model steps). Tensor work and rewards all run on the
// calling goroutine; selection and backup run beside it. "The same" is up to the rounding of
// batched products: BLAS may round a row differently in a batch of another size (sgemm from 4
// rows on), which can break a near-tie of greedy tokens the other way.
func RunBatch(c *CoLA, prompts [][]int, rewards []Reward, opts []Options) ([]*Tree, error) {
	if len(rewards) != len(prompts) || len(opts) != len(prompts) {
		return nil, fmt.Errorf("search: %d prompts, %d rewards and %d options", len(prompts), len(rewards), len(opts))
	}
	runtime.LockOSThread() // one OpenMP team for the whole batch (generate.Generate)
	defer runtime.UnlockOSThread()
	calls, done := make(chan *call), make(chan int)
	lanes := make([]*lane, len(prompts))
	trees, errs := make([]*Tree, len(prompts)), make([]error, len(prompts))
	for i := range lanes {
		l := &lane{own: &CoLA{M: c.M, Q: c.Q, TopK: c.TopK, Reuse: c.Reuse, Stops: c.Stops}, calls: calls}
		lanes[i] = l
		reward := func(answers [][]int) ([]float64, error) {
			r := l.do(&call{kind: callScore, answers: answers, reward: rewards[i]})
			return r.scores, r.err
		}
		go func() {
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("search: problem %d: %v", i, p)
				}
				done <- i
			}()
			trees[i], errs[i] = Run(l, prompts[i], reward, opts[i])
		}()
	}
	var pending []*call
	var failed error
	for live := len(lanes); live > 0; {
		select {
		case cl := <-calls:
			pending = append(pending, cl)
		case i := <-done:
			live--
			lanes[i].release()
			c.count = c.count.Plus(lanes[i].own.count)
			if errs[i] != nil && failed == nil {
				failed = fmt.Errorf("problem %d: %w", i, errs[i])
			}
		}
		if len(pending) > 0 && len(pending) == live {
			pending = serve(pending, failed)
		}
	}
	if failed != nil {
		return nil, failed
	}
	return trees, nil
}

// callKind is what a search asks of its model; lower kinds run first at a barrier, so that the
// searches behind catch up to the calls that batch.
type callKind int

const (
	callRoot callKind = iota
	callStep
	callScore
	callExtend
	callRollout
)

// call is one model call of a search in RunBatch, and its result.
type call struct {
	lane    *lane
	kind    callKind
	prompt  []int
	steps   []stepCall
	answers [][]int
	reward  Reward
	extends []extendCall
	rollout rolloutCall
	reply   chan *call

	// results
	out    State
	outs   []State
	toks   []int
	tokens [][]int
	codes  [][]int
	scores []float64
	err    error
}

// lane is one search's model inside RunBatch: its calls go to the barrier, and what it computes
// is counted on a counter of its own.
type lane struct {
	own   *CoLA
	calls chan<- *call
	frees []State // states freed at the lane's next call or at its end, on the calling goroutine
}

func (l *lane) do(c *call) *call {
	c.lane, c.reply = l, make(chan *call, 1)
	l.calls <- c
	return <-c.reply
}

func (l *lane) Root(prompt []int) (State, error) {
	r := l.do(&call{kind: callRoot, prompt: prompt})
	return r.out, r.err
}

func (l *lane) Eval(s State) ([]float64, []float64, error) { return l.own.Eval(s) }

func (l *lane) Step(s State, codes []int) ([]State, []int, error) {
	c := &call{kind: callStep}
	for _, code := range codes {
		c.steps = append(c.steps, stepCall{l.own, s, code})
	}
	r := l.do(c)
	return r.outs, r.toks, r.err
}

func (l *lane) Extend(states []State, n []int, temp float64, seeds []uint64) ([]State, [][]int, [][]int, error) {
	c := &call{kind: callExtend}
	for i, s := range states {
		c.extends = append(c.extends, extendCall{l.own, s, n[i], temp, seeds[i]})
	}
	r := l.do(c)
	return r.outs, r.tokens, r.codes, r.err
}

func (l *lane) Rollout(states []State, n int, temp float64, seed uint64) ([][]int, error) {
	r := l.do(&call{kind: callRollout, rollout: rolloutCall{l.own, states, n, temp, seed}})
	return r.tokens, r.err
}

func (l *lane) Free(s State)        { l.frees = append(l.frees, s) }
func (l *lane) Stop(token int) bool { return l.own.Stop(token) }
func (l *lane) Counter() *Counter   { return l.own.Counter() }

// release frees the states the lane's search has let go of.
func (l *lane) release() {
	for _, s := range l.frees {
		l.own.Free(s)
	}
	l.frees = nil
}

// serve runs the calls of the cheapest kind among pending (each with an error once a search has
// failed, so that the others end) and returns the rest.
func serve(pending []*call, failed error) []*call {
	kind := slices.MinFunc(pending, func(a, b *call) int { return int(a.kind) - int(b.kind) }).kind
	var now, rest []*call
	for _, c := range pending {
		if c.kind == kind {
			c.lane.release()
			now = append(now, c)
		} else {
			rest = append(rest, c)
		}
	}
	if failed != nil {
		for _, c := range now {
			c.err = fmt.Errorf("search: another problem failed: %w", failed)
		}
	} else {
		func() {
			defer func() {
				if p := recover(); p != nil {
					for _, c := range now {
						c.err = fmt.Errorf("search: %v", p)
					}
				}
			}()
			runCalls(kind, now)
		}()
	}
	for _, c := range now {
		c.reply <- c
	}
	return rest
}

// runCalls runs calls of one kind, setting each one's results.
func runCalls(kind callKind, calls []*call) {
	switch kind {
	case callRoot:
		for _, c := range calls {
			c.out, c.err = c.lane.own.Root(c.prompt)
		}
	case callStep:
		var xs []stepCall
		for _, c := range calls {
			xs = append(xs, c.steps...)
		}
		out, toks, err := stepAll(xs)
		at := 0
		for _, c := range calls {
			if c.err = err; err == nil {
				c.outs, c.toks = out[at:at+len(c.steps)], toks[at:at+len(c.steps)]
			}
			at += len(c.steps)
		}
	case callScore:
		for _, c := range calls {
			c.scores, c.err = c.reward(c.answers)
		}
	case callExtend:
		var xs []extendCall
		for _, c := range calls {
			xs = append(xs, c.extends...)
		}
		out, err := extendAll(xs)
		at := 0
		for _, c := range calls {
			if c.err = err; err == nil {
				for _, e := range out[at : at+len(c.extends)] {
					c.outs, c.tokens, c.codes = append(c.outs, e.Branch), append(c.tokens, e.Tokens), append(c.codes, e.Codes)
				}
			}
			at += len(c.extends)
		}
	case callRollout:
		rs := make([]rolloutCall, len(calls))
		for i, c := range calls {
			rs[i] = c.rollout
		}
		out, err := rolloutAll(rs)
		for i, c := range calls {
			if c.err = err; err == nil {
				c.tokens = out[i]
			}
		}
	}
}
