// Package env is colash's text-environment interface: an agent reads an observation, writes an
// action (text), and the environment answers with the next observation, a reward and whether the
// episode is over. Multi-turn agent tasks (Countdown with retries here; ALFWorld or ScienceWorld
// through a bridge, docs/recipes.md) implement Env; Play runs an episode with any agent, a model
// or a script function.
package env

import (
	"context"
	"fmt"
	"strings"
)

// Env is a text environment. Reset starts an episode (the seed picks the problem); Step takes
// the agent's action and returns what the agent sees next. Step after done is an error.
type Env interface {
	Reset(seed uint64) (obs string, err error)
	Step(action string) (obs string, reward float64, done bool, err error)
}

// Agent writes the next action given the transcript so far (every observation and action, in
// order, concatenated: what a language model continues).
type Agent func(ctx context.Context, transcript string) (string, error)

// Turn is one action and what came of it.
type Turn struct {
	Observation string  // what the agent saw before acting
	Action      string  // what it wrote
	Reward      float64 // the step's reward
}

// Episode is a played episode.
type Episode struct {
	Turns      []Turn
	Return     float64 // the sum of the rewards
	Done       bool    // the environment ended it (false: maxTurns ran out)
	Transcript string  // observations and actions, concatenated
}

// Play runs one episode of e with agent, for at most maxTurns actions.
func Play(ctx context.Context, e Env, seed uint64, agent Agent, maxTurns int) (*Episode, error) {
	if maxTurns <= 0 {
		return nil, fmt.Errorf("env: maxTurns must be positive")
	}
	obs, err := e.Reset(seed)
	if err != nil {
		return nil, err
	}
	ep := &Episode{}
	var transcript strings.Builder
	for range maxTurns {
		if err := ctx.Err(); err != nil {
			return ep, err
		}
		transcript.WriteString(obs)
		action, err := agent(ctx, transcript.String())
		if err != nil {
			return ep, err
		}
		transcript.WriteString(action)
		next, r, done, err := e.Step(action)
		if err != nil {
			return ep, err
		}
		ep.Turns = append(ep.Turns, Turn{Observation: obs, Action: action, Reward: r})
		ep.Return += r
		obs = next
		if done {
			ep.Done = true
			break
		}
	}
	ep.Transcript = transcript.String()
	return ep, nil
}
