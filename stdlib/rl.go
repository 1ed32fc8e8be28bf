package colash

import (
	"fmt"
	"math"
	"strings"

	"colash/stdlib/backend"
)

// RLOpts configure m.RL. Zero values take the defaults noted.
type RLOpts struct {
	Task    string                                  // built-in: story-word, story-words, story-end, math (MATH train)
	Prompts []string                                // prompts of your own task (with Reward)
	Reward  func(prompt, completion string) float64 // your own reward
	Algo    string                                  // grpo (default), remax, rloo, ppo
	Steps   int                                     // default 20
	Batch   int                                     // prompts per step, default 4
	Group   int                                     // samples per prompt, default 4
	N       int                                     // tokens per completion, default 32
	LR, KL  float64                                 // default 1e-4, 0.001
	Layers  int                                     // plain Llama: trained blocks from the top, default 1
	Seed    int
}

// RLRun is the record of an RL run: one entry per step.
type RLRun struct {
	Rewards, KL, Entropy []float64
}

// String shows the reward curve as a sparkline with its first and last values.
func (r *RLRun) String() string {
	if len(r.Rewards) == 0 {
		return "rl: no steps"
	}
	n := len(r.Rewards)
	return fmt.Sprintf("reward %s  %.3f -> %.3f over %d steps (kl %.3f)",
		styles.bar.Render(Sparkline(r.Rewards)), r.Rewards[0], r.Rewards[n-1], n, r.KL[n-1])
}

// RL trains m with reinforcement learning on a task, in place: on a CoLA only the policy over
// latent codes changes (backbone, world model and codebook stay frozen); on a plain Llama the
// top Layers blocks and the head learn over tokens, the paper's baseline. Ctrl-C stops it after
// the current step, keeping what was learnt.
//
//	run := m.RL(colash.RLOpts{Task: "story-word", Steps: 30})
//	run := m.RL(colash.RLOpts{Prompts: []string{"Once upon a time"}, Reward: func(p, c string) float64 {
//		return float64(strings.Count(c, "dog"))
//	}})
func (m *Model) RL(o RLOpts) *RLRun {
	t, ok := m.m.(backend.RLModel)
	if !ok {
		fail("rl", fmt.Errorf("this model cannot be trained with RL"))
	}
	run := &RLRun{}
	err := t.TrainRL(backend.Context(), backend.RLOptions{Task: o.Task, Prompts: o.Prompts, Reward: o.Reward,
		Algo: o.Algo, Steps: o.Steps, Batch: o.Batch, Group: o.Group, MaxTokens: o.N, LR: o.LR, KL: o.KL,
		Layers: o.Layers, Seed: uint64(o.Seed)}, func(s backend.RLStep) {
		run.Rewards = append(run.Rewards, s.Reward)
		run.KL = append(run.KL, s.KL)
		run.Entropy = append(run.Entropy, s.Entropy)
	})
	if err != nil && !(Cancelled() && len(run.Rewards) > 0) {
		fail("rl", err)
	}
	return run
}

// Sparkline draws values as a line of block characters, lowest to highest.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	blocks := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, v := range values {
		i := 0
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(len(blocks)-1)))
		}
		b.WriteRune(blocks[i])
	}
	return b.String()
}
