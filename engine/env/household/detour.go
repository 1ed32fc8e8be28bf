package household

import (
	"fmt"
	"slices"
	"strings"
)

// Detours are mistakes in expert episodes. A model trained only on the expert's flawless play has
// never read what follows a mistake, so after its first one it is lost (it repeats the action
// that did nothing). An episode with detours shows a wrong action, the environment's real answer
// to it, and the expert recovering from the state it left.

// detourSalt keeps the detours' random stream apart from the layout's.
const detourSalt = 0xde7042

// Mistakes of three kinds, drawn with these weights at each detour: an admissible action that is
// not the expert's (go to or open the wrong receptacle, take the wrong object, ...), going to a
// receptacle that is not in the room, and taking an object that is not in the room.
const (
	wrongPct      = 50
	absentGoPct   = 35
	absentTakePct = 15
)

// ExpertDetours is Expert with up to detours mistakes, at points of the expert's play drawn
// from the seed: the episode first takes a wrong action and shows the environment's own answer,
// then the expert plans on from the state the mistake left. A mistake is kept only when it costs
// the expert at least one action and the expert still solves the task within cfg.MaxSteps and
// the whole episode (the last observation included) within ExpertBudget characters; one that
// does not fit is tried again at the next point, so an episode may hold fewer detours than asked
// (none when the expert's own episode is near the budget, about one in five). The same cfg, seed
// and detours give the same episode; detours 0 gives Expert's.
func ExpertDetours(cfg Config, seed uint64, detours int) (string, []string, error) {
	if detours < 0 {
		return "", nil, fmt.Errorf("household: detours %d is negative", detours)
	}
	e, err := New(cfg)
	if err != nil {
		return "", nil, err
	}
	obs, err := e.Reset(seed)
	if err != nil {
		return "", nil, err
	}
	r := &rng{s: seed ^ (e.spec.salt^detourSalt)*0x9e3779b97f4a7c15}
	var at []int // the numbers of expert actions after which a mistake comes, ascending
	if detours > 0 {
		if _, n, ok := e.expertFinish(); ok {
			at = detourPoints(r, n, detours)
		}
	}
	var b strings.Builder
	var actions []string
	planned := 0 // expert actions taken
	for {
		b.WriteString(obs)
		a := ""
		if len(at) > 0 && at[0] <= planned {
			// A mistake that does not fit here is tried again before the next expert action.
			if a = e.mistake(r, b.Len()); a != "" {
				at = at[1:]
			}
		}
		if a == "" {
			a = e.w.expertAction()
			planned++
		}
		b.WriteString(a)
		actions = append(actions, a)
		var rew float64
		var done bool
		obs, rew, done, err = e.Step(a)
		if err != nil {
			return "", nil, err
		}
		if done {
			if rew != 1 {
				return b.String(), actions, fmt.Errorf("household: the expert did not solve seed %d in %d steps", seed, e.cfg.MaxSteps)
			}
			return b.String(), actions, nil
		}
	}
}

// detourPoints is k different numbers below n (all of them when k >= n), ascending.
func detourPoints(r *rng, n, k int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	shuffle(r, idx)
	idx = idx[:min(k, n)]
	slices.Sort(idx)
	return idx
}

// mistake is a wrong action for e's state that the expert recovers from within the limits, its
// kind drawn by the weights above (the other kinds tried when none of the drawn kind fits), or ""
// when none fits. used is the length of the transcript so far.
func (e *Env) mistake(r *rng, used int) string {
	_, left, _ := e.expertFinish()
	groups := [][]string{e.wrongActions(), e.absentGo(r), e.absentTake()}
	weights := []int{wrongPct, absentGoPct, absentTakePct}
	for len(groups) > 0 {
		// A weighted draw without replacement over the kinds left.
		total := 0
		for _, w := range weights {
			total += w
		}
		g, x := 0, r.intn(total)
		for x >= weights[g] {
			x -= weights[g]
			g++
		}
		cands := groups[g]
		groups, weights = slices.Delete(groups, g, g+1), slices.Delete(weights, g, g+1)
		shuffle(r, cands)
		for _, a := range cands {
			if e.detourFits(a, used, left) {
				return a
			}
		}
	}
	return ""
}

// detourFits says whether action a on a copy of e is a mistake that fits: the episode goes on,
// the expert then solves the task within the step limit and ExpertBudget characters in all, and
// a costs at least one action (a and the expert's actions after it outnumber the left actions the
// expert needs from e's state). That last rule keeps out actions that only change the expert's
// search order or happen to find the object sooner: they are no mistakes and show no recovery.
func (e *Env) detourFits(a string, used, left int) bool {
	c := *e
	c.w = e.w.clone()
	obs, _, done, err := c.Step(a)
	if err != nil || done {
		return false
	}
	rest, after, ok := c.expertFinish()
	return ok && 1+after > left && used+len(a)+len(obs)+rest <= ExpertBudget
}

// wrongActions are the admissible actions that are not the expert's next one. Look, inventory and
// going to where the agent already is are left out: they waste a step but teach no recovery.
func (e *Env) wrongActions() []string {
	next := e.w.expertAction()
	var out []string
	for _, a := range e.w.admissible() {
		switch {
		case a == next, a == "look", a == "inventory":
		case e.w.at >= 0 && a == "go to "+e.w.recs[e.w.at].name:
		default:
			out = append(out, a)
		}
	}
	return out
}

// absentGo goes to receptacles of the split that are not in the room: a kind the room lacks
// (bare, or at times numbered as pairs are), the next number of a pair the room has, or an
// appliance the room lacks. The environment answers "nothing happens.".
func (e *Env) absentGo(r *rng) []string {
	var out []string
	for _, k := range e.w.names.kinds {
		n := 0
		for i := range e.w.recs {
			if name := e.w.recs[i].name; name == k.name || strings.HasPrefix(name, k.name+" ") {
				n++
			}
		}
		switch {
		case n == 0 && r.pct(30):
			out = append(out, "go to "+k.name+" 1")
		case n == 0:
			out = append(out, "go to "+k.name)
		case n > 1:
			out = append(out, fmt.Sprintf("go to %s %d", k.name, n+1))
		}
	}
	for _, app := range []string{fridge, microwave, sinkbasin} {
		if e.w.find(app) < 0 {
			out = append(out, "go to "+app)
		}
	}
	return out
}

// absentTake takes objects of the split that are nowhere in the room from the receptacle the
// agent is at (when its hands are empty, else nothing).
func (e *Env) absentTake() []string {
	if e.w.at < 0 || e.w.holds {
		return nil
	}
	here := map[string]bool{}
	for i := range e.w.recs {
		for _, it := range e.w.recs[i].items {
			here[it.name] = true
		}
	}
	var out []string
	for _, o := range e.w.names.objects {
		if !here[o] {
			out = append(out, "take "+o+" from "+e.w.recs[e.w.at].name)
		}
	}
	return out
}
