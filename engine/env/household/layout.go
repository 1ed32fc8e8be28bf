package household

import (
	"fmt"
	"strconv"
)

// kindSpec is a kind of receptacle (not an appliance).
type kindSpec struct {
	name     string
	openable bool // a closed container (in); otherwise a surface (on)
}

// splitSpec is how a split draws its layouts.
type splitSpec struct {
	salt                     uint64
	rooms                    []string
	kinds                    []kindSpec
	objects                  []string
	minRecs, maxRecs         int   // receptacles besides the appliances
	minDistract, maxDistract int   // objects besides the task's
	pairPct                  int   // percent of layouts with two numbered receptacles of one kind
	appliancePct             int   // percent chance of each appliance the task does not need
	invent                   namer // nil: names from the lists; else rooms, kinds and objects invented per episode (invent.go)
}

// The seen and unseen splits draw rooms, receptacle kinds and objects from disjoint lists; only
// the three appliances, which the action grammar names, are in both. The invented split
// and the spelled split (invent.go) are the seen split's shape with names invented per episode.
var splits = map[string]*splitSpec{
	"seen": {
		salt:  0x5ee1,
		rooms: []string{"kitchen", "bathroom", "bedroom", "livingroom"},
		kinds: []kindSpec{
			{"cabinet", true}, {"drawer", true}, {"safe", true}, {"box", true},
			{"countertop", false}, {"table", false}, {"shelf", false}, {"sidetable", false},
		},
		objects: []string{
			"mug", "egg", "apple", "plate", "knife", "bowl", "cup", "fork",
			"spoon", "bread", "potato", "tomato", "pan", "pot", "sponge", "lettuce",
		},
		minRecs: 3, maxRecs: 4,
		minDistract: 2, maxDistract: 3,
		pairPct: 20, appliancePct: 50,
	},
	"unseen": {
		salt:  0x0a5ee1,
		rooms: []string{"garage", "office", "pantry", "cellar", "attic", "studio"},
		kinds: []kindSpec{
			{"locker", true}, {"chest", true}, {"cupboard", true}, {"crate", true},
			{"bench", false}, {"desk", false}, {"stool", false}, {"dresser", false}, {"rack", false},
		},
		objects: []string{
			"pear", "plum", "lemon", "onion", "carrot", "glass", "jar", "ladle",
			"whisk", "kettle", "bottle", "peach", "melon", "radish", "can", "spatula",
		},
		minRecs: 3, maxRecs: 5,
		minDistract: 2, maxDistract: 4,
		pairPct: 60, appliancePct: 70,
	},
}

// Splits are the valid Config.Split values. "invented" and "spelled" are for training only (see
// Config).
var Splits = []string{"seen", "unseen", "invented", "spelled"}

// rng is splitmix64: small, and the same sequence for a seed on every Go version.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) pct(p int) bool { return r.intn(100) < p }

func shuffle[T any](r *rng, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}

// draw makes one candidate layout for a task of the given kind.
func (sp *splitSpec) draw(r *rng, kind int) *world {
	w := &world{room: sp.rooms[r.intn(len(sp.rooms))], at: -1, names: sp}

	// Receptacles: kinds drawn with replacement, sometimes a forced pair; a kind that occurs
	// more than once is numbered.
	n := sp.minRecs + r.intn(sp.maxRecs-sp.minRecs+1)
	bases := make([]kindSpec, n)
	for i := range bases {
		bases[i] = sp.kinds[r.intn(len(sp.kinds))]
	}
	if r.pct(sp.pairPct) {
		bases[n-1] = bases[0]
	}
	count := map[string]int{}
	for _, b := range bases {
		count[b.name]++
	}
	seq := map[string]int{}
	for _, b := range bases {
		name := b.name
		if count[b.name] > 1 {
			seq[b.name]++
			name += " " + strconv.Itoa(seq[b.name])
		}
		prep := "on"
		if b.openable {
			prep = "in"
		}
		w.recs = append(w.recs, receptacle{name: name, prep: prep, openable: b.openable})
	}
	t := task{kind: kind}
	for _, app := range []string{fridge, microwave, sinkbasin} {
		if app == t.appliance() || r.pct(sp.appliancePct) {
			w.recs = append(w.recs, receptacle{name: app, prep: "in", openable: app != sinkbasin})
		}
	}
	shuffle(r, w.recs)
	w.looked = make([]bool, len(w.recs))

	// Holders are where objects start: every receptacle but the microwave and the sinkbasin.
	// The target is a holder (the fridge only when the task is not to cool).
	var holders, targets []int
	for i := range w.recs {
		switch w.recs[i].name {
		case microwave, sinkbasin:
		case fridge:
			holders = append(holders, i)
			if kind != cool {
				targets = append(targets, i)
			}
		default:
			holders = append(holders, i)
			targets = append(targets, i)
		}
	}
	t.target = targets[r.intn(len(targets))]

	objs := append([]string(nil), sp.objects...)
	shuffle(r, objs)
	t.obj = objs[0]
	w.task = t
	copies := 1
	if kind == two {
		copies = 2
	}
	for range copies {
		for {
			h := holders[r.intn(len(holders))]
			if h != t.target {
				w.recs[h].items = append(w.recs[h].items, item{name: t.obj})
				break
			}
		}
	}
	nd := sp.minDistract + r.intn(sp.maxDistract-sp.minDistract+1)
	for _, name := range objs[1 : 1+nd] {
		h := holders[r.intn(len(holders))]
		w.recs[h].items = append(w.recs[h].items, item{name: name})
	}
	for i := range w.recs {
		shuffle(r, w.recs[i].items)
	}
	return w
}

// Bounds every layout meets: the expert solves it within expertSteps actions, and its whole
// episode (first observation, every action and observation, the last included) is at most
// ExpertBudget characters.
const (
	expertSteps  = 12
	ExpertBudget = 500
	maxDraws     = 10000
)

// layout is the seed's episode: its task kind, then layouts drawn until one meets the bounds.
func (sp *splitSpec) layout(seed uint64) (*world, error) {
	r := &rng{s: seed ^ sp.salt*0x9e3779b97f4a7c15}
	kind := r.intn(numKinds)
	if sp.invent != nil {
		sp = sp.invented(r)
	}
	for range maxDraws {
		w := sp.draw(r, kind)
		if n, ok := expertLength(w); ok && n <= ExpertBudget {
			return w, nil
		}
	}
	return nil, fmt.Errorf("household: no layout for seed %d that the expert solves in %d actions and %d characters", seed, expertSteps, ExpertBudget)
}
