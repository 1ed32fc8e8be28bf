package recipes

import (
	"context"
	"path/filepath"
	"strings"

	"colash/engine/run"
	"colash/engine/search"
	"colash/engine/search/qlearn"
	"colash/model/checkpoint"
)

// The MCTS-Q pipeline's stages (docs/paper.md, "The Q-network" and "MCTS-Q"): qnet-collect samples scored
// answers with their codes, qnet-train fits the Q-network to them, search evaluates methods.

// qnetCollect writes OUT/<stage>/samples.jsonl.
func (e *env) qnetCollect(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	return qlearn.RunCollect(ctx, m, *s.QCollect, filepath.Join(dir, "samples.jsonl"), e.progress)
}

// samplesPath resolves a collection: an earlier qnet-collect stage's, or a file.
func (e *env) samplesPath(ref string) string {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "samples.jsonl")
	}
	return e.dataPath(ref)
}

// qnetTrain trains the Q-network into OUT/<stage>/model (metrics and checkpoints beside it).
func (e *env) qnetTrain(ctx context.Context, s Stage, dir string) (any, error) {
	j := *s.QTrain
	j.Data = e.samplesPath(j.Data)
	open := func() (*checkpoint.Model, error) { return e.open(s.Model) }
	return qlearn.RunTrainOn(ctx, e.group, open, j, dir, filepath.Join(dir, "model"), run.Auto, e.progress)
}

// search evaluates the stage's methods; OUT/<stage>/results.json holds every method's results
// with their records, and the stage's result is the figures without the records.
func (e *env) search(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	j := *s.Search
	for _, ref := range []*string{&j.QNet, &j.RewardModel} {
		if *ref != "" { // "@stage": that stage's model folder, as an rl stage's reward_model
			if *ref, err = e.modelPath(*ref); err != nil {
				return nil, err
			}
		}
	}
	all, err := search.RunJob(ctx, m, j, e.progress)
	if err != nil {
		return nil, err
	}
	if err := checkpoint.WriteJSON(filepath.Join(dir, "results.json"), all); err != nil {
		return nil, err
	}
	figures := map[string]search.Results{}
	for _, r := range all {
		f := *r
		f.Records = nil
		figures[r.Method] = f
	}
	return figures, nil
}
