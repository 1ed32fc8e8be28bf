package colash

import (
	"context"
	"fmt"
	"strings"

	"colash/engine/env"
	"colash/stdlib/backend"
)

// Env is a text environment: Reset shows a problem, Step takes an answer and returns what comes
// next, its reward and whether the episode is over. Built-in tasks become environments with
// NewEnv; with turns > 1 a wrong answer gets feedback and another try.
type Env struct {
	e    env.Env
	Task string
}

// NewEnv is the environment of a built-in task (countdown, story-word, story-words, story-end,
// math) with turns tries per episode (0: one).
func NewEnv(task string, turns int) *Env {
	rt, err := backend.Current()
	fail("env", err)
	er, ok := rt.(backend.EnvRuntime)
	if !ok {
		fail("env", fmt.Errorf("the tensor engine has no environments"))
	}
	e, err := er.NewEnv(task, max(turns, 1))
	fail("env "+task, err)
	return &Env{e: e, Task: task}
}

// Reset starts an episode; seed picks the problem. It returns the first observation.
func (e *Env) Reset(seed int) string {
	obs, err := e.e.Reset(uint64(seed))
	fail("env reset", err)
	return obs
}

// Step plays action and returns the next observation, the reward and whether the episode ended.
func (e *Env) Step(action string) (obs string, reward float64, done bool) {
	obs, reward, done, err := e.e.Step(action)
	fail("env step", err)
	return obs, reward, done
}

// Episode is a played episode: each turn's action and reward, and the whole transcript.
type Episode struct {
	Actions    []string
	Rewards    []float64
	Return     float64
	Done       bool
	Transcript string
}

func (ep *Episode) String() string {
	return fmt.Sprintf("episode: %d turns, return %.3g, done %v\n%s", len(ep.Actions), ep.Return, ep.Done, ep.Transcript)
}

// Play lets m play one episode of e: each turn m continues the transcript (opts as for
// Generate; the first line of its text is the action), for at most maxTurns turns.
func (m *Model) Play(e *Env, seed, maxTurns int, opts ...Opts) *Episode {
	o := lastOpts(opts)
	agent := func(ctx context.Context, transcript string) (string, error) {
		var text strings.Builder // streamed after the prompt, so the first piece keeps its space
		_, err := m.m.Generate(ctx, m.m.Encode(transcript, true), o.sampling(), func(s string) { text.WriteString(s) })
		action, _, _ := strings.Cut(text.String(), "\n")
		return action, err
	}
	got, err := env.Play(backend.Context(), e.e, uint64(seed), agent, max(maxTurns, 1))
	fail("play", err)
	ep := &Episode{Return: got.Return, Done: got.Done, Transcript: got.Transcript}
	for _, t := range got.Turns {
		ep.Actions, ep.Rewards = append(ep.Actions, t.Action), append(ep.Rewards, t.Reward)
	}
	return ep
}
