package household

import (
	"strings"
)

// The three appliances. Their names are part of the action grammar (clean X with sinkbasin, heat
// X with microwave, cool X with fridge), so both splits share them.
const (
	fridge    = "fridge"
	microwave = "microwave"
	sinkbasin = "sinkbasin"
)

// Task kinds.
const (
	place = iota // put a X in/on Y
	clean        // put a clean X in/on Y
	hot          // put a hot X in/on Y
	cool         // put a cool X in/on Y
	two          // put two X in/on Y
	numKinds
)

// item is an object: a name and what was done to it.
type item struct {
	name             string
	clean, hot, cool bool
}

// describe is the item as observations show it: its states, then its name.
func (it item) describe() string {
	s := it.name
	if it.hot {
		s = "hot " + s
	}
	if it.cool {
		s = "cool " + s
	}
	if it.clean {
		s = "clean " + s
	}
	return s
}

// receptacle is a place objects are in or on.
type receptacle struct {
	name     string // as actions name it: "cabinet 1", "table", "fridge"
	prep     string // "in" or "on"
	openable bool
	open     bool
	items    []item
}

func (r *receptacle) closed() bool { return r.openable && !r.open }

// contents is what an observation says of an accessible receptacle.
func (r *receptacle) contents() string {
	if len(r.items) == 0 {
		return r.name + " is empty."
	}
	names := make([]string, len(r.items))
	for i, it := range r.items {
		names[i] = it.describe()
	}
	return r.prep + " " + r.name + ": " + strings.Join(names, ", ") + "."
}

// task is the episode's goal.
type task struct {
	kind   int
	obj    string // the object's name
	target int    // the receptacle it goes in or on
}

// world is an episode's state.
type world struct {
	room   string
	recs   []receptacle // in the order the first observation lists them
	at     int          // the receptacle the agent is at; -1 before the first go to
	holds  bool
	hand   item
	looked []bool // the contents of recs[i] have been shown
	task   task
	names  *splitSpec // the lists its names were drawn from (an invented episode's own)
}

func (w *world) clone() *world {
	c := *w
	c.recs = make([]receptacle, len(w.recs))
	for i, r := range w.recs {
		r.items = append([]item(nil), r.items...)
		c.recs[i] = r
	}
	c.looked = append([]bool(nil), w.looked...)
	return &c
}

func (w *world) find(name string) int {
	for i := range w.recs {
		if w.recs[i].name == name {
			return i
		}
	}
	return -1
}

// goalText is the task as the first observation states it, without the full stop.
func (w *world) goalText() string {
	t := w.task
	r := &w.recs[t.target]
	switch t.kind {
	case clean:
		return "put a clean " + t.obj + " " + r.prep + " " + r.name
	case hot:
		return "put a hot " + t.obj + " " + r.prep + " " + r.name
	case cool:
		return "put a cool " + t.obj + " " + r.prep + " " + r.name
	case two:
		return "put two " + t.obj + " " + r.prep + " " + r.name
	}
	return "put a " + t.obj + " " + r.prep + " " + r.name
}

// fits says whether it satisfies the task's condition on the object.
func (t task) fits(it item) bool {
	if it.name != t.obj {
		return false
	}
	switch t.kind {
	case clean:
		return it.clean
	case hot:
		return it.hot
	case cool:
		return it.cool
	}
	return true
}

// appliance is the receptacle name that the task's treatment needs, or "".
func (t task) appliance() string {
	switch t.kind {
	case clean:
		return sinkbasin
	case hot:
		return microwave
	case cool:
		return fridge
	}
	return ""
}

// treat is the action that applies the task's treatment to the object.
func (t task) treat() string {
	switch t.kind {
	case clean:
		return "clean " + t.obj + " with " + sinkbasin
	case hot:
		return "heat " + t.obj + " with " + microwave
	case cool:
		return "cool " + t.obj + " with " + fridge
	}
	return ""
}

// solved says whether the goal holds.
func (w *world) solved() bool {
	n := 0
	for _, it := range w.recs[w.task.target].items {
		if w.task.fits(it) {
			n++
		}
	}
	if w.task.kind == two {
		return n >= 2
	}
	return n >= 1
}

// first is the first observation, up to the prompt marker.
func (w *world) first() string {
	names := make([]string, len(w.recs))
	for i := range w.recs {
		names[i] = w.recs[i].name
	}
	return "task: " + w.goalText() + ".\nin " + w.room + ": " + strings.Join(names, ", ") + "."
}

// normalize is the action an agent's text stands for: its first line, its words separated by
// single spaces.
func normalize(action string) string {
	line, _, _ := strings.Cut(action, "\n")
	return strings.Join(strings.Fields(line), " ")
}

// act applies a normalized action. ok is false (and the world unchanged) when the action is not
// valid in this state.
func (w *world) act(a string) (obs string, ok bool) {
	switch {
	case a == "look":
		if w.at < 0 {
			return "you are in " + w.room + ".", true
		}
		return "you are at " + w.recs[w.at].name + " in " + w.room + ".", true
	case a == "inventory":
		if !w.holds {
			return "you hold nothing.", true
		}
		return "you hold " + w.hand.describe() + ".", true
	case strings.HasPrefix(a, "go to "):
		i := w.find(a[len("go to "):])
		if i < 0 {
			return "", false
		}
		w.at = i
		r := &w.recs[i]
		if r.closed() {
			return r.name + " is closed.", true
		}
		w.looked[i] = true
		return r.contents(), true
	case strings.HasPrefix(a, "open "):
		i := w.find(a[len("open "):])
		if i < 0 || i != w.at || !w.recs[i].closed() {
			return "", false
		}
		w.recs[i].open = true
		w.looked[i] = true
		return w.recs[i].contents(), true
	case strings.HasPrefix(a, "close "):
		i := w.find(a[len("close "):])
		if i < 0 || i != w.at || !w.recs[i].openable || !w.recs[i].open {
			return "", false
		}
		w.recs[i].open = false
		return "you close " + w.recs[i].name + ".", true
	case strings.HasPrefix(a, "take "):
		obj, rec, found := strings.Cut(a[len("take "):], " from ")
		i := w.find(rec)
		if !found || i < 0 || i != w.at || w.recs[i].closed() || w.holds {
			return "", false
		}
		r := &w.recs[i]
		for k, it := range r.items {
			if it.name == obj {
				w.holds, w.hand = true, it
				r.items = append(r.items[:k], r.items[k+1:]...)
				return "you take " + obj + ".", true
			}
		}
		return "", false
	case strings.HasPrefix(a, "put "):
		rest := a[len("put "):]
		obj, rec, found := strings.Cut(rest, " in ")
		if !found {
			obj, rec, found = strings.Cut(rest, " on ")
		}
		i := w.find(rec)
		if !found || i < 0 || i != w.at || w.recs[i].closed() || !w.holds || w.hand.name != obj {
			return "", false
		}
		r := &w.recs[i]
		r.items = append(r.items, w.hand)
		w.holds, w.hand = false, item{}
		return "you put " + obj + " " + r.prep + " " + r.name + ".", true
	case strings.HasPrefix(a, "clean "), strings.HasPrefix(a, "heat "), strings.HasPrefix(a, "cool "):
		verb, rest, _ := strings.Cut(a, " ")
		obj, app, found := strings.Cut(rest, " with ")
		want := map[string]string{"clean": sinkbasin, "heat": microwave, "cool": fridge}[verb]
		if !found || app != want || w.at < 0 || w.recs[w.at].name != app || !w.holds || w.hand.name != obj {
			return "", false
		}
		switch verb {
		case "clean":
			w.hand.clean = true
			return obj + " is clean.", true
		case "heat":
			w.hand.hot, w.hand.cool = true, false
			return obj + " is hot.", true
		default:
			w.hand.cool, w.hand.hot = true, false
			return obj + " is cool.", true
		}
	}
	return "", false
}

// admissible lists the valid actions, each once (put with the receptacle's own preposition).
func (w *world) admissible() []string {
	out := []string{"look", "inventory"}
	for i := range w.recs {
		out = append(out, "go to "+w.recs[i].name)
	}
	if w.at < 0 {
		return out
	}
	r := &w.recs[w.at]
	if w.holds {
		switch r.name {
		case sinkbasin:
			out = append(out, "clean "+w.hand.name+" with "+sinkbasin)
		case microwave:
			out = append(out, "heat "+w.hand.name+" with "+microwave)
		case fridge:
			out = append(out, "cool "+w.hand.name+" with "+fridge)
		}
	}
	if r.closed() {
		return append(out, "open "+r.name)
	}
	if r.openable {
		out = append(out, "close "+r.name)
	}
	if w.holds {
		return append(out, "put "+w.hand.name+" "+r.prep+" "+r.name)
	}
	taken := map[string]bool{}
	for _, it := range r.items {
		if !taken[it.name] {
			taken[it.name] = true
			out = append(out, "take "+it.name+" from "+r.name)
		}
	}
	return out
}
