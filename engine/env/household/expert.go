package household

// expertAction is the planner's next action. It plays as a careful agent would from the
// transcript alone: it searches for the task's object in the order the first observation lists
// the receptacles (passing over the target, the microwave and the sinkbasin, where the object
// never starts, and the receptacles it has already seen inside), opening what is closed; it takes
// the object from where it was seen, treats it at the appliance the task names, and puts it in
// or on the target, opening it first when closed.
func (w *world) expertAction() string {
	t := w.task
	goTo := func(i int) string { return "go to " + w.recs[i].name }
	if w.holds {
		i := w.at
		if w.hand.name == t.obj {
			if app := t.appliance(); app != "" && !t.fits(w.hand) {
				if a := w.find(app); a != w.at {
					return goTo(a)
				}
				return t.treat()
			}
			i = t.target
		}
		// Something else in hand (never the expert's own doing): put it down where it is.
		switch {
		case i < 0:
			i = t.target
			fallthrough
		case i != w.at:
			return goTo(i)
		case w.recs[i].closed():
			return "open " + w.recs[i].name
		}
		r := &w.recs[i]
		return "put " + w.hand.name + " " + r.prep + " " + r.name
	}

	// An object seen outside the target: here first, then in the listed order.
	order := make([]int, 0, len(w.recs)+1)
	if w.at >= 0 {
		order = append(order, w.at)
	}
	for i := range w.recs {
		order = append(order, i)
	}
	for _, i := range order {
		if i == t.target || !w.looked[i] {
			continue
		}
		for _, it := range w.recs[i].items {
			if it.name != t.obj {
				continue
			}
			switch {
			case i != w.at:
				return goTo(i)
			case w.recs[i].closed():
				return "open " + w.recs[i].name
			}
			return "take " + t.obj + " from " + w.recs[i].name
		}
	}
	// Search the next receptacle not yet seen inside.
	for i := range w.recs {
		switch {
		case i == t.target || w.looked[i] || w.recs[i].name == microwave || w.recs[i].name == sinkbasin:
			continue
		case i != w.at:
			return goTo(i)
		}
		return "open " + w.recs[i].name
	}
	return "look" // nothing left to search: the layout has no object to find
}

// expertLength plays the expert on a copy of w and returns the characters of its whole episode
// (the last observation included) and whether it solved the task within expertSteps.
func expertLength(w *world) (int, bool) {
	e := &Env{cfg: Config{MaxSteps: expertSteps}, w: w, started: true}
	n, _, ok := e.expertFinish()
	return len(w.first()) + len(Prompt) + n, ok
}

// expertFinish plays the expert on a copy of e from its state to the episode's end and returns
// the characters it adds (every action and observation, the last included), its actions, and
// whether it solved the task within e's step limit. e is unchanged.
func (e *Env) expertFinish() (chars, actions int, solved bool) {
	c := *e
	c.w = e.w.clone()
	for {
		a := c.w.expertAction()
		obs, r, done, err := c.Step(a)
		if err != nil {
			return 0, 0, false
		}
		chars += len(a) + len(obs)
		actions++
		if done {
			return chars, actions, r == 1
		}
	}
}

// Expert plays the planner on the episode of cfg and seed and returns its transcript,
// concatenated as env.Play writes it (every observation and action, the final observation
// left out), and its actions. It fails when the planner does not solve the task within
// cfg.MaxSteps (never with the default).
func Expert(cfg Config, seed uint64) (string, []string, error) {
	return ExpertDetours(cfg, seed, 0)
}
