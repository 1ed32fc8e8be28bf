// Package household is a text environment in the style of ALFWorld, small enough for a tiny
// character-level model with a context of about 512 characters: a room with a few receptacles,
// a few objects, and one task of ALFWorld's kinds in miniature. Expert writes a planner's
// episodes, the training text.
//
// # Episodes
//
// Reset(seed) draws the task kind and a layout from the seed (the same seed gives the same
// episode) and shows the task and the room's receptacles:
//
//	task: put a hot egg on table.
//	in kitchen: fridge, countertop, microwave, table, cabinet 1.
//	>
//
// Every observation that expects an action ends with the prompt marker "\n> "; the agent's
// action is the text after it, up to the end of the line. The observation of Step begins with
// the newline that ends the action's line, so the observations and actions of an episode
// concatenate (as env.Play does) into a clean transcript:
//
//	> go to cabinet 1
//	cabinet 1 is closed.
//	> open cabinet 1
//	in cabinet 1: egg, mug.
//
// The observation that ends an episode ends with "done.\n" (the task is solved, reward 1) or
// "out of steps.\n" (Config.MaxSteps actions were taken, reward 0) instead of the marker.
//
// # Tasks
//
//	put a X in/on Y         take an X to receptacle Y
//	put a clean X in/on Y   clean it with the sinkbasin on the way
//	put a hot X in/on Y     heat it with the microwave on the way
//	put a cool X in/on Y    cool it with the fridge on the way
//	put two X in/on Y       two of them, one at a time
//
// Y takes "in" when it is a container (it opens and closes; the fridge, the microwave and the
// sinkbasin are containers too) and "on" when it is a surface. The task's objects never start in
// Y, in the microwave or in the sinkbasin.
//
// # Actions
//
// One line each, words separated by spaces (an action's first line is used, its spacing
// normalized); R names a receptacle as the first observation lists it ("cabinet 1"), X an
// object:
//
//	go to R                  walk to R; shows what is in or on it, or that it is closed
//	open R, close R          at R, a container
//	take X from R            at R, with empty hands (one object at a time)
//	put X in R, put X on R   at R, holding X (either preposition is accepted)
//	clean X with sinkbasin   at the sinkbasin, holding X
//	heat X with microwave    at the microwave, holding X (open or closed)
//	cool X with fridge       at the fridge, holding X (open or closed)
//	look, inventory          where the agent is; what it holds
//
// Anything else, or an action that is not possible in the state, is answered "nothing
// happens." and costs a step like any other. Admissible lists the valid actions of the state.
//
// # Splits
//
// The seen and unseen splits use disjoint lists of room names, receptacle kinds and object
// names; only the three appliances (fridge, microwave, sinkbasin), which the action grammar
// names, are shared. Their layouts are drawn differently too: unseen rooms have more
// receptacles (3 to 5 besides the appliances, against 3 to 4), more distractor objects (2 to 4,
// against 2 to 3), numbered pairs of one kind more often ("locker 1, locker 2"), and the
// appliances a task does not need more often. A model trained on the seen split's expert
// episodes meets only new names on the unseen split, as with ALFWorld's unseen split.
//
// The invented split, for training only, draws its layouts as the seen split does but invents
// the room, receptacle and object names of each episode from its seed (pronounceable lowercase
// words of 4 to 8 letters, never a name of the seen or unseen split): a model trained on it
// learns to copy names from the room rather than recall them, and the unseen split stays new.
// The spelled split is the same with names of any spelling (clusters, doubled and rare letters),
// not only the invented split's syllables.
//
// # Detours
//
// ExpertDetours writes expert episodes with mistakes in them: a wrong action (an admissible one
// that is not the expert's, or one naming a receptacle or object that is not in the room), the
// environment's real answer, and the expert's recovery from there, still within the step limit
// and ExpertBudget.
//
// Every layout is one whose expert episode takes at most 12 actions and, with every
// observation, at most ExpertBudget characters: layouts are drawn from the seed until one does.
package household

import (
	"fmt"
	"strings"

	"colash/engine/env"
)

// Alphabet is every character of the environment's observations, actions and goals.
const Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n+-*/()=:,.>?A"

// DefaultMaxSteps is the step limit when Config.MaxSteps is 0.
const DefaultMaxSteps = 15

// Prompt is the marker that ends an observation which expects an action.
const Prompt = "\n> "

// Config configures an Env.
type Config struct {
	Split    string // "seen" (the default when empty), "unseen", or "invented" or "spelled" (for training only)
	MaxSteps int    // actions per episode; DefaultMaxSteps when 0
}

// Env is the household environment. It implements env.Env.
type Env struct {
	cfg     Config
	spec    *splitSpec
	w       *world
	steps   int
	started bool
	done    bool
}

var _ env.Env = (*Env)(nil)

// New is an environment of cfg's split.
func New(cfg Config) (*Env, error) {
	if cfg.Split == "" {
		cfg.Split = "seen"
	}
	spec, ok := splits[cfg.Split]
	if !ok {
		return nil, fmt.Errorf("household: unknown split %q (valid: %s)", cfg.Split, strings.Join(Splits, ", "))
	}
	if cfg.MaxSteps < 0 {
		return nil, fmt.Errorf("household: MaxSteps %d is negative", cfg.MaxSteps)
	}
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	return &Env{cfg: cfg, spec: spec}, nil
}

// Reset starts the seed's episode and returns its first observation.
func (e *Env) Reset(seed uint64) (string, error) {
	w, err := e.spec.layout(seed)
	if err != nil {
		return "", err
	}
	e.w, e.steps, e.started, e.done = w, 0, true, false
	return w.first() + Prompt, nil
}

// Step takes the agent's action (its first line) and returns the next observation, the reward
// (1 when the action solves the task) and whether the episode is over.
func (e *Env) Step(action string) (string, float64, bool, error) {
	if !e.started {
		return "", 0, false, fmt.Errorf("household: step before Reset")
	}
	if e.done {
		return "", 0, true, fmt.Errorf("household: step after the episode ended (call Reset)")
	}
	text, ok := e.w.act(normalize(action))
	if !ok {
		text = "nothing happens."
	}
	e.steps++
	switch {
	case ok && e.w.solved():
		e.done = true
		return "\n" + text + "\ndone.\n", 1, true, nil
	case e.steps >= e.cfg.MaxSteps:
		e.done = true
		return "\n" + text + "\nout of steps.\n", 0, true, nil
	}
	return "\n" + text + Prompt, 0, false, nil
}

// Admissible lists the actions valid in the current state (put with the receptacle's own
// preposition): nil before Reset or after the episode ended.
func (e *Env) Admissible() []string {
	if !e.started || e.done {
		return nil
	}
	return e.w.admissible()
}

// Goal is the episode's task, as the first observation states it ("put a hot egg on table").
func (e *Env) Goal() string {
	if e.w == nil {
		return ""
	}
	return e.w.goalText()
}
