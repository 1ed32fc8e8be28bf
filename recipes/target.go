package recipes

import (
	"path/filepath"

	"colash/engine/rl"
	"colash/engine/run"
)

// toTarget measures an RL stage's metrics.jsonl against target; group and prompts give the
// samples per step.
func toTarget(metricsPath string, target float64, samples int) (*ToTarget, error) {
	lines, err := run.ReadMetrics(metricsPath)
	if err != nil {
		return nil, err
	}
	t := &ToTarget{}
	mean := run.MovingMean{N: 10}
	for _, m := range lines {
		r, _ := m["reward/mean"].(float64)
		sec, _ := m["time/step"].(float64)
		length, _ := m["completions/mean_length"].(float64)
		step, _ := m["step"].(float64)
		t.Step, t.Seconds, t.Tokens = int(step), t.Seconds+sec, t.Tokens+length*float64(samples)
		if mean.Add(r) >= target {
			t.Reached = true
			break
		}
	}
	return t, nil
}

// targets measures every RL stage of r against its target_reward (none when it is 0).
func targets(r *Recipe, out string) (map[string]*ToTarget, error) {
	if r.TargetReward == 0 {
		return nil, nil
	}
	res := map[string]*ToTarget{}
	for _, s := range r.Stages {
		j, ok := s.Job.(*rl.Job)
		if !ok {
			continue
		}
		t, err := toTarget(filepath.Join(out, s.Name, "metrics.jsonl"), r.TargetReward, j.Prompts*j.Group)
		if err != nil {
			return nil, err
		}
		res[s.Name] = t
	}
	return res, nil
}
