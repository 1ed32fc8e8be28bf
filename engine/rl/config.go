package rl

import "colash/engine/env"

// Config is one RL run. Defaults (DefaultConfig) follow the released math GRPO recipe where it
// applies (clip 0.2, gamma 1, lambda 0.95, k1 KL in the reward, whitening, grad clip 1,
// Adam betas 0.9/0.95), with a learning rate and KL suited to small models.
type Config struct {
	Algo      Algo `toml:"algo" help:"advantage estimator: grpo, remax, rloo or ppo"`
	Steps     int  `toml:"steps" help:"RL steps (rollout + update)"`
	Prompts   int  `toml:"prompts" help:"prompts per step"`
	Group     int  `toml:"group" help:"samples per prompt"`
	MaxTokens int  `toml:"max_tokens" help:"completion length limit"`

	LR          float64 `toml:"lr" help:"peak learning rate (cosine to min_lr after warmup)"`
	MinLR       float64 `toml:"min_lr" help:"final learning rate of the cosine schedule"`
	Warmup      int     `toml:"warmup" help:"linear warmup optimiser steps"`
	WeightDecay float64 `toml:"weight_decay" help:"AdamW weight decay"`
	Beta1       float64 `toml:"beta1" help:"Adam β1"`
	Beta2       float64 `toml:"beta2" help:"Adam β2"`
	GradClip    float64 `toml:"grad_clip" help:"global grad-norm clip (0: none)"`

	Epochs      int     `toml:"epochs" help:"PPO epochs: passes over each rollout batch"`
	MiniBatches int     `toml:"mini_batches" help:"optimiser steps per pass"`
	MicroBatch  int     `toml:"micro_batch" help:"rows per forward/backward (0: the mini-batch; a few rows are faster on a CPU, docs/rl.md)"`
	ClipEps     float64 `toml:"clip" help:"PPO ratio clip epsilon"`

	KLCoef    float64     `toml:"kl" help:"KL coefficient (initial, when adaptive)"`
	KLTarget  float64     `toml:"kl_target" help:"adaptive KL: target per-sequence KL (0: fixed coefficient)"`
	KLHorizon float64     `toml:"kl_horizon" help:"adaptive controller horizon, in samples"`
	KL        KLEstimator `toml:"kl_estimator" help:"KL estimator in the reward: k1 or k3"`
	KLInLoss  bool        `toml:"kl_in_loss" help:"KL as a loss term (k3, with grad) instead of a reward penalty"`

	Gamma  float64 `toml:"gamma" help:"discount (gamma)"`
	Lambda float64 `toml:"lambda" help:"GAE λ"`
	Whiten bool    `toml:"whiten" help:"whiten advantages over the batch"`

	// Dr. GRPO (Liu et al. 2025) is GRPO without its two length and difficulty biases:
	// scale_rewards = false (r - mean, no division by the group's std) and token_sum = true (each
	// sequence's loss summed over its tokens and divided by max_tokens, not averaged).
	ScaleRewards bool `toml:"scale_rewards" help:"grpo: divide by the group's standard deviation (false: r - mean, Dr. GRPO's)"`
	TokenSum     bool `toml:"token_sum" help:"loss: each sequence's token sum over max_tokens (Dr. GRPO's) instead of its token mean"`

	ValueLRScale float64 `toml:"value_lr_scale" help:"PPO value head: learning-rate multiple"`
	VFCoef       float64 `toml:"vf_coef" help:"value loss weight"`
	ValueClip    float64 `toml:"value_clip" help:"PPO value clip"`

	// Turns > 1 makes every sample an episode of up to Turns tries (multi-turn RL, episodes.go):
	// a miss is answered with feedback and the policy tries again; the episode's reward is its
	// last try's.
	Turns int `toml:"turns" help:"tries per episode: > 1 is multi-turn RL (a miss gets feedback and another try; grpo, rloo)"`

	Seed    uint64 `toml:"seed" help:"seed of prompts, sampling and shuffles"`
	Workers int    `toml:"workers" help:"goroutines scoring rewards"`
}

// DefaultConfig is GRPO with the released recipe's estimator settings.
func DefaultConfig() Config {
	return Config{Algo: GRPO, Steps: 100, Prompts: 8, Group: 8, MaxTokens: 32,
		LR: 1e-4, MinLR: 1e-5, Warmup: 0, WeightDecay: 0, Beta1: 0.9, Beta2: 0.95, GradClip: 1,
		Epochs: 1, MiniBatches: 1, MicroBatch: 4, ClipEps: 0.2,
		KLCoef: 0.001, KL: K1, Gamma: 1, Lambda: 0.95, Whiten: true, ScaleRewards: true,
		ValueLRScale: 10, VFCoef: 0.5, ValueClip: 0.2, Workers: 8}
}

// Task is a set of prompts and the reward of their completions.
type Task struct {
	Name     string
	Examples []Example
	Reward   Reward
	// Env, when set, makes the task a text environment's episodes instead (envEpisodes): each
	// example's Meta["seed"] starts one, the environment's rewards score it, and Reward is unused.
	Env func() (env.Env, error)
}

// Metrics is one step's log line, named as TRL users expect.
type Metrics map[string]any
