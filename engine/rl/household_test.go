package rl

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"colash/engine/env"
	"colash/engine/env/household"
	"colash/engine/generate"
	"colash/engine/testbed"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// nEnv is a scripted environment: an episode starts "seed S:", each action is answered with
// "\nheard <its first word>\n> ", and an action with two or more n's solves the episode (reward 1,
// done). It records the actions it was given.
type nEnv struct {
	seed    uint64
	actions []string
	done    bool
}

func (e *nEnv) Reset(seed uint64) (string, error) {
	e.seed, e.actions, e.done = seed, nil, false
	return fmt.Sprintf("seed %d: go\n> ", seed), nil
}

func (e *nEnv) Step(action string) (string, float64, bool, error) {
	if e.done {
		return "", 0, true, fmt.Errorf("step after the end")
	}
	e.actions = append(e.actions, action)
	if strings.Count(action, "n") >= 2 {
		e.done = true
		return "\nsolved\n", 1, true, nil
	}
	word, _, _ := strings.Cut(strings.TrimSpace(action), " ")
	return "\nheard " + word + "\n> ", 0, false, nil
}

// An environment's episodes: each starts from its example's seed, each row is one action (the
// first line of the completion) whose prompt is the transcript so far, observations included; an
// episode ends when the environment ends it or after Turns actions, its return is the sum of the
// environment's rewards, and every row carries its episode's advantage.
func TestEnvEpisodesPlayTheEnvironment(t *testing.T) {
	a, c := tinyActor(t)
	var envs []*nEnv
	tk := Task{Name: "n-env", Env: func() (env.Env, error) {
		e := &nEnv{}
		envs = append(envs, e)
		return e, nil
	}}
	for _, s := range []uint64{7, 11} {
		tk.Examples = append(tk.Examples, Example{Prompt: "unused", Meta: map[string]string{"seed": strconv.FormatUint(s, 10)}})
	}
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Turns, cfg.KLCoef, cfg.Whiten, cfg.Lambda = 2, 4, 6, 3, 0, false, 1
	if _, err := NewTrainer(a, c.Tok, tk, Config{Prompts: 2, Group: 2, MaxTokens: 6, Steps: 1, Turns: 1, Algo: GRPO}); err == nil {
		t.Fatal("an environment's task trains with turns 1")
	}
	tr, b := firstExperience(t, a, c.Tok, tk, cfg)
	n := cfg.Prompts * cfg.Group
	if len(envs) != n || len(b.Scores.Values) != n || len(b.Episode) != len(b.Tokens) || len(b.Adv) != len(b.Tokens) {
		t.Fatalf("%d environments, %d returns, %d rows, %d episode ids, %d advantages", len(envs), len(b.Scores.Values), len(b.Tokens), len(b.Episode), len(b.Adv))
	}
	rows := map[int][]int{}
	for i, e := range b.Episode {
		rows[e] = append(rows[e], i)
	}
	s, _ := GroupNormalize(b.Scores.Values, cfg.Group)
	early := 0
	for e, en := range envs {
		tries := rows[e]
		if len(tries) == 0 || strconv.FormatUint(en.seed, 10) != b.Examples[tries[0]].Meta["seed"] {
			t.Fatalf("episode %d started from seed %d, with rows %v", e, en.seed, tries)
		}
		if len(tries) != len(en.actions) || len(tries) > cfg.Turns || (!en.done && len(tries) != cfg.Turns) {
			t.Fatalf("episode %d: %d rows, %d actions, done %v", e, len(tries), len(en.actions), en.done)
		}
		transcript := fmt.Sprintf("seed %d: go\n> ", en.seed)
		for k, i := range tries {
			if got := c.Tok.Decode(b.Prompts[i]); got != transcript && got != " "+transcript {
				t.Fatalf("episode %d action %d: prompt %q, want the transcript %q", e, k+1, got, transcript)
			}
			action, _, _ := strings.Cut(b.Completions[i], "\n")
			if action != en.actions[k] {
				t.Fatalf("episode %d action %d: the environment got %q, the completion's first line is %q", e, k+1, en.actions[k], action)
			}
			obs := "\nsolved\n"
			if k < len(tries)-1 || !en.done {
				word, _, _ := strings.Cut(strings.TrimSpace(action), " ")
				obs = "\nheard " + word + "\n> "
			}
			transcript += action + obs
			for _, v := range b.Adv[i] {
				if v != s[e] {
					t.Fatalf("episode %d action %d: advantage %v, the episode's is %v", e, k+1, v, s[e])
				}
			}
		}
		if ret := map[bool]float64{true: 1}[en.done]; b.Scores.Values[e] != ret {
			t.Fatalf("episode %d: return %v, solved %v", e, b.Scores.Values[e], en.done)
		}
		if en.done && len(tries) < cfg.Turns {
			early++
		}
	}
	if early == 0 || slices.Max(s) <= 0 {
		t.Fatalf("%d episodes ended early, advantages %v: the test shows nothing", early, s)
	}
	if _, err := tr.TrainStep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The household tasks are the testbed's episodes: training ones drawn as its corpus draws them,
// held-out ones as colash eval household does, each prompt its episode's first observation; the
// actor of a household job stops at the end of a line.
func TestHouseholdTasksAreTheTestbedsEpisodes(t *testing.T) {
	for name, want := range map[string]struct {
		split string
		seed  uint64
	}{"household": {"seen", 1}, "household-test": {"seen", 2}, "household-unseen": {"unseen", 2}} {
		tk, err := NewTask(name, TaskOptions{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := household.New(household.Config{Split: want.split})
		for i, ex := range tk.Examples {
			seed := testbed.EpisodeSeed(want.seed, i)
			obs, _ := ref.Reset(seed)
			if ex.Meta["seed"] != strconv.FormatUint(seed, 10) || ex.Prompt != obs {
				t.Fatalf("%s %d: seed %s, prompt %q; want %d, %q", name, i, ex.Meta["seed"], ex.Prompt, seed, obs)
			}
		}
		if len(tk.Examples) != 3 || tk.Env == nil {
			t.Fatalf("%s: %d examples, environment %v", name, len(tk.Examples), tk.Env != nil)
		}
	}
	m, err := checkpoint.Open("../../models/testbed-cola", checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	tk, _ := NewTask("household", TaskOptions{Limit: 1})
	nl := m.Tok.Encode("\n", tokenizer.EncodeOptions{})
	for _, token := range []bool{false, true} {
		a, err := Job{Config: Config{}, TokenLevel: token}.actor(m, tk, nil)
		if err != nil {
			t.Fatal(err)
		}
		stops := a.(interface{ Stop() []int }).Stop()
		a.Close()
		if len(nl) != 1 || !slices.Contains(stops, nl[0]) {
			t.Fatalf("token level %v: the actor stops at %v, not at a newline (%v)", token, stops, nl)
		}
	}
}

// A packed layout reads each episode's transcript once, and gives every action the log-prob, and
// every rollout row the total loss weight, that the row has laid out alone.
func TestEpisodeLayoutPacksTriesAsTheyWereAlone(t *testing.T) {
	// The testbed's tokenizer encodes text byte by byte, so a transcript encodes as its tries'
	// prompts and completions laid end to end, and its actor stops at the end of a line.
	c, err := checkpoint.Open("../../models/testbed-cola", checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Free)
	a, err := NewCoLAActor(c.CoLA, generate.PaperLatent, tokenizer.LineStops(c.Tok))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	tk := Task{Name: "n-env", Env: func() (env.Env, error) { return &nEnv{}, nil }}
	for _, s := range []uint64{3, 5, 9} {
		tk.Examples = append(tk.Examples, Example{Meta: map[string]string{"seed": strconv.FormatUint(s, 10)}})
	}
	cfg := testConfig()
	cfg.Prompts, cfg.Group, cfg.MaxTokens, cfg.Turns = 3, 2, 12, 4
	tr, b := firstExperience(t, a, c.Tok, tk, cfg)
	rows := make([]int, len(b.Tokens))
	for i := range rows {
		rows[i] = len(rows) - 1 - i // any order
	}
	alone, packed := NewLayout(b.Rollout, rows), NewEpisodeLayout(b.Rollout, rows, b.Episode)
	if packed.B != len(b.Scores.Values) || alone.B != len(rows) {
		t.Fatalf("%d layout rows packed, %d alone, for %d episodes of %d tries", packed.B, alone.B, len(b.Scores.Values), len(rows))
	}
	if packed.B*packed.L >= alone.B*alone.L/2 {
		t.Fatalf("packed %dx%d slots against %dx%d alone", packed.B, packed.L, alone.B, alone.L)
	}
	want, _, err := tr.actionValues(alone, false)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := tr.actionValues(packed, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range rows {
		if len(got[k]) != len(b.Actions[i]) || len(want[k]) != len(b.Actions[i]) {
			t.Fatalf("row %d: %d and %d log-probs for %d actions", i, len(got[k]), len(want[k]), len(b.Actions[i]))
		}
		weight := 0.0
		for j := range got[k] {
			if d := got[k][j] - want[k][j]; d > 1e-4 || d < -1e-4 || got[k][j] != b.LogProbs[i][j] && (got[k][j]-b.LogProbs[i][j] > 1e-4 || b.LogProbs[i][j]-got[k][j] > 1e-4) {
				t.Fatalf("row %d action %d: packed %v, alone %v, at decode %v", i, j, got[k][j], want[k][j], b.LogProbs[i][j])
			}
			weight += float64(packed.Weight[packed.Slots[k][j]])
		}
		if len(got[k]) > 0 && (weight < 1-1e-6 || weight > 1+1e-6) {
			t.Fatalf("row %d: loss weight %v over its actions, want 1", i, weight)
		}
	}
}
