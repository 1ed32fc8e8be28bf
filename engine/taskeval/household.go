package taskeval

import (
	"context"

	"colash/engine/env"
	"colash/engine/env/household"
)

// Episodes plays one household episode per seed with the agent newAgent makes for the
// environment (it may read the environment's admissible actions; at most cfg's step limit) and
// reports each as a Result (seed, goal, steps, success, transcript) and their success rate.
func Episodes(ctx context.Context, newAgent func(*household.Env) env.Agent, cfg household.Config, seeds []uint64, cfgRun Config) ([]Result, Summary, error) {
	e, err := household.New(cfg)
	if err != nil {
		return nil, Summary{}, err
	}
	agent := newAgent(e)
	steps := cfg.MaxSteps
	if steps <= 0 {
		steps = household.DefaultMaxSteps
	}
	bar := newBar(cfgRun.Progress, len(seeds))
	var res []Result
	won, tokens, past := 0, 0, 0
	for _, seed := range seeds {
		ep, err := env.Play(ctx, e, seed, agent, steps)
		if err != nil {
			return res, Summary{}, err
		}
		ok := ep.Return >= 1
		if ok {
			won++
		}
		r := Result{"seed": seed, "split": cfg.Split, "goal": e.Goal(), "steps": len(ep.Turns), "correct": ok, "completion": ep.Transcript}
		if cfgRun.Tokens != nil {
			// Every turn reads the whole transcript so far (the agent keeps no cache between turns).
			seen, n := "", 0
			for _, t := range ep.Turns {
				seen += t.Observation
				n = cfgRun.Tokens(seen, t.Action)
				tokens += n
				seen += t.Action
			}
			if cfgRun.pastContext(n) { // the last turn reads the longest transcript
				r["past_context"] = true
				past++
			}
		}
		res = append(res, r)
		bar.step(1, won, len(res))
	}
	s := Summarize(won, len(res), tokens)
	s.PastContext = past
	return res, s, nil
}
