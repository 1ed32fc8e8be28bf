package household

import (
	"context"
	"slices"
	"strings"
	"testing"

	"colash/engine/env"
)

func newEnv(t *testing.T, cfg Config) *Env {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// replay is an agent that writes the given actions in turn.
func replay(actions []string) env.Agent {
	i := 0
	return func(context.Context, string) (string, error) {
		a := actions[min(i, len(actions)-1)]
		i++
		return a, nil
	}
}

// kindOf is the task kind of a seed's episode.
func kindOf(t *testing.T, split string, seed uint64) int {
	e := newEnv(t, Config{Split: split})
	if _, err := e.Reset(seed); err != nil {
		t.Fatal(err)
	}
	return e.w.task.kind
}

func TestNew(t *testing.T) {
	_, err := New(Config{Split: "valid"})
	if err == nil || !strings.Contains(err.Error(), "seen") || !strings.Contains(err.Error(), "unseen") {
		t.Errorf("an unknown split: %v", err)
	}
	if _, err := New(Config{MaxSteps: -1}); err == nil {
		t.Error("a negative MaxSteps must fail")
	}
	e := newEnv(t, Config{})
	if e.cfg.Split != "seen" || e.cfg.MaxSteps != DefaultMaxSteps {
		t.Errorf("defaults: %+v", e.cfg)
	}
	if _, _, _, err := e.Step("look"); err == nil {
		t.Error("a step before Reset must fail")
	}
	if e.Admissible() != nil || e.Goal() != "" {
		t.Error("no actions or goal before Reset")
	}
}

func TestDeterministic(t *testing.T) {
	for _, split := range Splits {
		firsts := map[string]bool{}
		for seed := range uint64(200) {
			a, b := newEnv(t, Config{Split: split}), newEnv(t, Config{Split: split})
			oa, err := a.Reset(seed)
			if err != nil {
				t.Fatal(err)
			}
			b.Reset(seed + 1)
			ob, _ := b.Reset(seed) // a reset forgets the episode before
			if oa != ob || a.Goal() != b.Goal() || !slices.Equal(a.Admissible(), b.Admissible()) {
				t.Fatalf("%s seed %d: %q and %q", split, seed, oa, ob)
			}
			ta, aa, _ := Expert(Config{Split: split}, seed)
			tb, ab, _ := Expert(Config{Split: split}, seed)
			if ta != tb || !slices.Equal(aa, ab) {
				t.Fatalf("%s seed %d: the expert differs", split, seed)
			}
			if !strings.HasPrefix(oa, "task: "+a.Goal()+".\n") || !strings.HasSuffix(oa, Prompt) {
				t.Fatalf("first observation %q", oa)
			}
			firsts[oa] = true
		}
		if len(firsts) < 195 {
			t.Errorf("%s: only %d different episodes in 200 seeds", split, len(firsts))
		}
	}
}

// The expert solves every episode within the step limit, and its whole episode (the last
// observation too) fits ExpertBudget characters.
func TestExpertSolves(t *testing.T) {
	const n = 500
	for _, split := range Splits {
		total, longest, steps, most := 0, 0, 0, 0
		kinds := make([]int, numKinds)
		for seed := range uint64(n) {
			tr, actions, err := Expert(Config{Split: split}, seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v\n%s", split, seed, err, tr)
			}
			// The last observation, for the whole episode's length.
			e := newEnv(t, Config{Split: split})
			e.Reset(seed)
			var last string
			for _, a := range actions {
				last, _, _, _ = e.Step(a)
			}
			if !strings.HasSuffix(last, "\ndone.\n") {
				t.Fatalf("%s seed %d: last observation %q", split, seed, last)
			}
			if whole := len(tr) + len(last); whole > ExpertBudget {
				t.Errorf("%s seed %d: %d characters\n%s%s", split, seed, whole, tr, last)
			}
			if len(actions) > expertSteps {
				t.Errorf("%s seed %d: %d actions", split, seed, len(actions))
			}
			total += len(tr)
			longest = max(longest, len(tr))
			steps += len(actions)
			most = max(most, len(actions))
			kinds[kindOf(t, split, seed)]++
		}
		for k, c := range kinds {
			if c < n/10 {
				t.Errorf("%s: task kind %d in %d of %d episodes", split, k, c, n)
			}
		}
		t.Logf("%s: expert transcripts %.1f characters on average, %d at most; %.1f actions on average, %d at most; task kinds %v",
			split, float64(total)/n, longest, float64(steps)/n, most, kinds)
	}
	tr, _, _ := Expert(Config{}, 2)
	t.Logf("seen seed 2:\n%s", tr)
}

// env.Play with an agent that replays the expert's actions solves the task, and writes the
// expert's transcript.
func TestPlayReplaysExpert(t *testing.T) {
	for _, split := range Splits {
		for seed := range uint64(100) {
			tr, actions, err := Expert(Config{Split: split}, seed)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := env.Play(context.Background(), newEnv(t, Config{Split: split}), seed, replay(actions), 50)
			if err != nil {
				t.Fatal(err)
			}
			if ep.Return != 1 || !ep.Done || len(ep.Turns) != len(actions) || ep.Transcript != tr {
				t.Fatalf("%s seed %d: return %v done %v turns %d\n%s\nwant\n%s", split, seed, ep.Return, ep.Done, len(ep.Turns), ep.Transcript, tr)
			}
			for _, turn := range ep.Turns {
				if !strings.HasSuffix(turn.Observation, Prompt) {
					t.Fatalf("observation %q does not end with the prompt marker", turn.Observation)
				}
			}
		}
	}
}

// A random agent (admissible actions, chosen at random) rarely solves a task: the tasks are not
// trivial.
func TestRandomAgent(t *testing.T) {
	const n = 500
	for _, split := range Splits {
		for _, limit := range []int{DefaultMaxSteps, 50} {
			r := &rng{s: 12345}
			solved := 0
			for seed := range uint64(n) {
				e := newEnv(t, Config{Split: split, MaxSteps: limit})
				agent := func(context.Context, string) (string, error) {
					acts := e.Admissible()
					return acts[r.intn(len(acts))], nil
				}
				ep, err := env.Play(context.Background(), e, seed, agent, 100)
				if err != nil {
					t.Fatal(err)
				}
				if !ep.Done || (ep.Return == 0 && len(ep.Turns) != limit) {
					t.Fatalf("%s seed %d: the step limit did not end the episode: %d turns", split, seed, len(ep.Turns))
				}
				if strings.Contains(ep.Transcript, "nothing happens.") {
					t.Fatalf("%s seed %d: an admissible action did nothing\n%s", split, seed, ep.Transcript)
				}
				if ep.Return == 1 {
					solved++
				}
			}
			rate := float64(solved) / n
			t.Logf("%s, %d steps: a random agent solves %d of %d episodes (%.1f%%)", split, limit, solved, n, 100*rate)
			if limit == DefaultMaxSteps && rate > 0.05 || rate > 0.25 {
				t.Errorf("%s, %d steps: a random agent solves %.1f%%", split, limit, 100*rate)
			}
		}
	}
}

// Admissible lists exactly the valid actions: every action of a wide set of candidates is
// accepted when and only when it is listed (put with the other preposition is accepted too).
func TestAdmissibleIsExact(t *testing.T) {
	for _, split := range Splits {
		for seed := range uint64(60) {
			_, actions, err := Expert(Config{Split: split}, seed)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, Config{Split: split})
			e.Reset(seed)
			var objs []string
			for _, r := range e.w.recs {
				for _, it := range r.items {
					objs = append(objs, it.name)
				}
			}
			objs = append(objs, "ghost")
			for _, a := range actions {
				adm := e.Admissible()
				cands := []string{"look", "inventory", "dance", "go to ghost", "go to", ""}
				for _, r := range e.w.recs {
					cands = append(cands, "go to "+r.name, "open "+r.name, "close "+r.name)
					for _, o := range objs {
						cands = append(cands, "take "+o+" from "+r.name, "put "+o+" in "+r.name, "put "+o+" on "+r.name)
						for _, verb := range []string{"clean", "heat", "cool"} {
							cands = append(cands, verb+" "+o+" with "+r.name)
						}
					}
				}
				for _, c := range cands {
					_, ok := e.w.clone().act(c)
					listed := slices.Contains(adm, c)
					if strings.HasPrefix(c, "put ") {
						alt := strings.Replace(strings.Replace(strings.Replace(c, " in ", " # ", 1), " on ", " in ", 1), " # ", " on ", 1)
						listed = listed || slices.Contains(adm, alt)
					}
					if ok != listed {
						t.Fatalf("%s seed %d: %q valid %v, admissible %v (%q)", split, seed, c, ok, listed, adm)
					}
				}
				e.Step(a)
			}
		}
	}
}

func TestInvalidActions(t *testing.T) {
	e := newEnv(t, Config{MaxSteps: 6})
	first, _ := e.Reset(3)
	_, actions, _ := Expert(Config{}, 3)
	for i, a := range []string{"dance", "take " + e.w.task.obj + " from " + e.w.recs[0].name, "put mug on table", "heat egg with microwave", ""} {
		before := e.w.clone()
		obs, r, done, err := e.Step(a)
		if err != nil || r != 0 || done || obs != "\nnothing happens."+Prompt {
			t.Fatalf("%q: %q %v %v %v", a, obs, r, done, err)
		}
		if e.steps != i+1 || e.w.at != before.at || e.w.holds != before.holds {
			t.Fatalf("%q changed the world or did not cost a step", a)
		}
	}
	obs, r, done, err := e.Step("inventory")
	if err != nil || r != 0 || !done || obs != "\nyou hold nothing.\nout of steps.\n" {
		t.Fatalf("the step limit: %q %v %v %v", obs, r, done, err)
	}
	if _, _, _, err := e.Step("look"); err == nil {
		t.Error("a step after the episode ended must fail")
	}
	if e.Admissible() != nil {
		t.Error("no actions after the episode ended")
	}

	// Reset starts over; a model's action may have trailing spaces and more lines.
	if again, _ := e.Reset(3); again != first {
		t.Fatal("Reset does not start the same episode again")
	}
	e.cfg.MaxSteps = DefaultMaxSteps
	for _, a := range actions[:len(actions)-1] {
		if obs, _, _, _ := e.Step("  " + strings.ReplaceAll(a, " ", "  ") + " \nmore text\n> x"); strings.Contains(obs, "nothing happens") {
			t.Fatalf("%q: %q", a, obs)
		}
	}
	// The other preposition is accepted.
	last := actions[len(actions)-1]
	if strings.Contains(last, " in ") {
		last = strings.Replace(last, " in ", " on ", 1)
	} else {
		last = strings.Replace(last, " on ", " in ", 1)
	}
	if _, r, done, _ := e.Step(last); r != 1 || !done {
		t.Fatalf("%q did not solve the task", last)
	}
}

// A task with a treatment is not solved by the object untreated.
func TestTreatmentMatters(t *testing.T) {
	for _, kind := range []int{clean, hot, cool} {
		var seed uint64
		for kindOf(t, "seen", seed) != kind {
			seed++
		}
		_, actions, _ := Expert(Config{}, seed)
		e := newEnv(t, Config{})
		e.Reset(seed)
		var skipped []string
		for _, a := range actions {
			if a == e.w.task.treat() {
				continue
			}
			skipped = append(skipped, a)
			if _, r, done, _ := e.Step(a); r != 0 || done {
				t.Fatalf("kind %d seed %d: %q solved the task untreated", kind, seed, a)
			}
		}
		if e.w.solved() || len(skipped) != len(actions)-1 {
			t.Fatalf("kind %d seed %d: %v", kind, seed, skipped)
		}
	}
}

// words are the lowercase words of s.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < 'a' || r > 'z' })
}

// The unseen split uses no room, receptacle or object name of the seen split (the appliances,
// which the action grammar names, aside).
func TestUnseenNames(t *testing.T) {
	seen, unseen := splits["seen"], splits["unseen"]
	vocab := map[string]bool{}
	for _, k := range seen.kinds {
		vocab[k.name] = true
	}
	for _, s := range append(slices.Clone(seen.objects), seen.rooms...) {
		vocab[s] = true
	}
	for _, k := range unseen.kinds {
		if vocab[k.name] {
			t.Errorf("receptacle %s in both splits", k.name)
		}
	}
	for _, s := range append(slices.Clone(unseen.objects), unseen.rooms...) {
		if vocab[s] {
			t.Errorf("%s in both splits", s)
		}
	}
	// Over many episodes: every name in the seen split's episodes is of its lists, and no word
	// of an unseen episode is.
	names := func(split string, seed uint64) []string {
		e := newEnv(t, Config{Split: split})
		e.Reset(seed)
		out := []string{e.w.room}
		for _, r := range e.w.recs {
			base, _, _ := strings.Cut(r.name, " ")
			out = append(out, base)
			for _, it := range r.items {
				out = append(out, it.name)
			}
		}
		return out
	}
	appliance := map[string]bool{fridge: true, microwave: true, sinkbasin: true}
	for seed := range uint64(2000) {
		for _, s := range names("seen", seed) {
			if !vocab[s] && !appliance[s] {
				t.Fatalf("seen seed %d: %s is not of the seen lists", seed, s)
			}
		}
		for _, s := range names("unseen", seed) {
			if vocab[s] {
				t.Fatalf("unseen seed %d: %s is a seen name", seed, s)
			}
		}
		tr, _, _ := Expert(Config{Split: "unseen"}, seed)
		for _, w := range words(tr) {
			if vocab[w] {
				t.Fatalf("unseen seed %d: the word %s is a seen name\n%s", seed, w, tr)
			}
		}
	}
}

// Every observation, action and goal uses only Alphabet's characters.
func TestAlphabet(t *testing.T) {
	check := func(what, s string) {
		t.Helper()
		for _, c := range s {
			if !strings.ContainsRune(Alphabet, c) {
				t.Fatalf("%s: %q has %q", what, s, c)
			}
		}
	}
	r := &rng{s: 7}
	for i := range uint64(2000) {
		split := Splits[i%uint64(len(Splits))]
		seed := i / uint64(len(Splits))
		tr, _, err := Expert(Config{Split: split}, seed)
		if err != nil {
			t.Fatal(err)
		}
		check("expert", tr)
		// A random agent's episode, with every admissible action of every state.
		e := newEnv(t, Config{Split: split})
		obs, _ := e.Reset(seed)
		check("goal", e.Goal())
		for done := false; !done; {
			check("observation", obs)
			acts := append(e.Admissible(), "look", "inventory")
			for _, a := range acts {
				check("action", a)
			}
			obs, _, done, _ = e.Step(acts[r.intn(len(acts))])
		}
		check("observation", obs)
	}
}
