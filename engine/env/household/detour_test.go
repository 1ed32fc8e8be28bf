package household

import (
	"context"
	"slices"
	"strings"
	"testing"

	"colash/engine/env"
)

// observations counts the observation lines of a transcript (action lines left out).
func observations(tr string) map[string]int {
	m := map[string]int{}
	for _, l := range strings.Split(tr, "\n") {
		if !strings.HasPrefix(l, "> ") {
			m[l]++
		}
	}
	return m
}

func TestExpertDetoursDeterministic(t *testing.T) {
	if _, _, err := ExpertDetours(Config{}, 1, -1); err == nil {
		t.Error("negative detours must fail")
	}
	for _, split := range Splits {
		differ := 0
		for seed := range uint64(200) {
			plain, pa, _ := Expert(Config{Split: split}, seed)
			if tr, acts, err := ExpertDetours(Config{Split: split}, seed, 0); err != nil || tr != plain || !slices.Equal(acts, pa) {
				t.Fatalf("%s seed %d: no detours is not the expert's episode (%v)", split, seed, err)
			}
			a, aa, err := ExpertDetours(Config{Split: split}, seed, 2)
			if err != nil {
				t.Fatal(err)
			}
			b, ab, _ := ExpertDetours(Config{Split: split}, seed, 2)
			if a != b || !slices.Equal(aa, ab) {
				t.Fatalf("%s seed %d: two plays differ\n%s\n%s", split, seed, a, b)
			}
			if a != plain {
				differ++
			}
		}
		if differ < 140 { // most: longer names (the spelled split's) leave less of ExpertBudget for a detour
			t.Errorf("%s: only %d of 200 episodes have detours", split, differ)
		}
	}
}

// Every detour episode is solved within the step limit and ExpertBudget; replayed in a fresh
// environment it gives the same transcript (every observation is the environment's own), and
// every action is admissible or answered "nothing happens.". Most episodes differ from the
// expert's, and those that do are longer and show an observation the expert's does not (or more
// often).
func TestExpertDetours(t *testing.T) {
	const n = 300
	for _, split := range Splits {
		for _, detours := range []int{1, 2, 3} {
			differ, newObs, nothing, wrong := 0, 0, 0, 0
			for seed := range uint64(n) {
				cfg := Config{Split: split}
				tr, actions, err := ExpertDetours(cfg, seed, detours)
				if err != nil {
					t.Fatalf("%s seed %d: %v\n%s", split, seed, err, tr)
				}
				e := newEnv(t, cfg)
				ep, err := env.Play(context.Background(), e, seed, replay(actions), 100)
				if err != nil {
					t.Fatal(err)
				}
				if ep.Return != 1 || !ep.Done || ep.Transcript != tr || len(actions) > DefaultMaxSteps {
					t.Fatalf("%s seed %d: return %v done %v, %d actions\n%s\nwant\n%s", split, seed, ep.Return, ep.Done, len(actions), ep.Transcript, tr)
				}
				if whole := len(tr) + len(lastObservation(t, cfg, seed, actions)); whole > ExpertBudget {
					t.Fatalf("%s seed %d: %d characters\n%s", split, seed, whole, tr)
				}
				// Step by step: admissible, or nothing happens (and nothing changes).
				e.Reset(seed)
				for _, a := range actions {
					adm := e.Admissible()
					if a != e.w.expertAction() {
						wrong++
					}
					before := e.w.clone()
					obs, _, _, _ := e.Step(a)
					if !slices.Contains(adm, a) && (obs != "\nnothing happens."+Prompt || e.w.at != before.at || e.w.holds != before.holds) {
						t.Fatalf("%s seed %d: %q is not admissible (%v) and gave %q", split, seed, a, adm, obs)
					}
				}
				plain, pa, _ := Expert(cfg, seed)
				if tr == plain {
					continue
				}
				differ++
				// Every mistake costs the expert at least one action.
				if len(actions) <= len(pa) {
					t.Fatalf("%s seed %d: %d actions, the expert's %d\n%s\nthe expert's\n%s", split, seed, len(actions), len(pa), tr, plain)
				}
				po, do := observations(plain), observations(tr)
				for l, c := range do {
					if c > po[l] {
						newObs++
						break
					}
				}
				if strings.Contains(tr, "nothing happens.") {
					nothing++
				}
			}
			t.Logf("%s, %d detours: %d of %d episodes differ from the expert's, %d with a new observation, %d with nothing happens, %d wrong actions",
				split, detours, differ, n, newObs, nothing, wrong)
			if differ < n*3/4 || newObs < differ || nothing < differ/4 || wrong < differ {
				t.Errorf("%s, %d detours: %d of %d episodes differ from the expert's, %d with a new observation, %d with nothing happens, %d wrong actions",
					split, detours, differ, n, newObs, nothing, wrong)
			}
		}
	}
	tr, _, _ := ExpertDetours(Config{}, 3, 2)
	t.Logf("seen seed 3, 2 detours:\n%s", tr)
}

// lastObservation is the observation that ends the episode of actions.
func lastObservation(t *testing.T, cfg Config, seed uint64, actions []string) string {
	e := newEnv(t, cfg)
	e.Reset(seed)
	var last string
	for _, a := range actions {
		last, _, _, _ = e.Step(a)
	}
	return last
}

// Detours respect a tight step limit: every mistake costs at least one action, so with MaxSteps
// at the expert's own length no mistake fits and the episode is the expert's.
func TestExpertDetoursStepLimit(t *testing.T) {
	for _, split := range Splits {
		for seed := range uint64(100) {
			plain, actions, _ := Expert(Config{Split: split}, seed)
			tr, _, err := ExpertDetours(Config{Split: split, MaxSteps: len(actions)}, seed, 3)
			if err != nil || tr != plain {
				t.Fatalf("%s seed %d: %v\n%s\nwant\n%s", split, seed, err, tr, plain)
			}
		}
	}
}
