package rl

// Config is one RL run. Defaults (DefaultConfig) follow the released math GRPO recipe where it
// applies (clip 0.2, gamma 1, lambda 0.95, k1 KL in the reward, whitening, grad clip 1,
// Adam betas 0.9/0.95), with a learning rate and KL suited to small models.
type Config struct {
	Algo      Algo
	Steps     int // rollout + update rounds
	Prompts   int // prompts per step
	Group     int // samples per prompt
	MaxTokens int // completion length limit

	LR, MinLR   float64 // cosine from LR to MinLR after Warmup steps
	Warmup      int
	WeightDecay float64
	Beta1       float64
	Beta2       float64
	GradClip    float64 // global grad-norm clip (0: none)

	Epochs      int     // passes over each rollout batch
	MiniBatches int     // optimiser steps per pass
	MicroBatch  int     // rows per forward/backward (0: the mini-batch)
	ClipEps     float64 // PPO ratio clip

	KLCoef    float64     // initial KL coefficient
	KLTarget  float64     // > 0: adaptive coefficient towards this per-sequence KL
	KLHorizon float64     // adaptive controller horizon, in samples
	KL        KLEstimator // k1 or k3
	KLInLoss  bool        // KL as a loss term (k3, with grad) instead of a reward penalty

	Gamma, Lambda float64
	Whiten        bool

	ValueLRScale float64 // PPO value head: learning-rate multiple
	VFCoef       float64 // value loss weight
	ValueClip    float64

	Seed    uint64
	Workers int // reward goroutines
}

// DefaultConfig is GRPO with the released recipe's estimator settings.
func DefaultConfig() Config {
	return Config{Algo: GRPO, Steps: 100, Prompts: 8, Group: 8, MaxTokens: 32,
		LR: 1e-4, MinLR: 1e-5, Warmup: 0, WeightDecay: 0, Beta1: 0.9, Beta2: 0.95, GradClip: 1,
		Epochs: 1, MiniBatches: 1, ClipEps: 0.2,
		KLCoef: 0.001, KL: K1, Gamma: 1, Lambda: 0.95, Whiten: true,
		ValueLRScale: 10, VFCoef: 0.5, ValueClip: 0.2, Workers: 8}
}

// Task is a set of prompts and the reward of their completions.
type Task struct {
	Name     string
	Examples []Example
	Reward   Reward
}

// Metrics is one step's log line, named as TRL users expect.
type Metrics map[string]any
