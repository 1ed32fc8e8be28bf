package rl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"colash/engine/generate"
	"colash/engine/job"
	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tokenizer"
	"colash/models"
)

// Job is one RL run as `colash rl` and recipes describe it: a task, who acts (CoLA's latent
// policy or, for the baseline, the Llama's tokens), the optimisation (Config) and the sampling.
type Job struct {
	Config
	Task  string   `toml:"task" help:"task: story-word, story-words, story-end, math, countdown, dsp, cd3, cd4, arith, cd3-test, cd4-test or arith-test; a+b mixes reward tasks (cd3+cd4)"`
	Words []string `toml:"words" help:"story-word(s): comma-separated target words (default friend,friends)"`
	Limit int      `toml:"limit" help:"math: use the first N training problems"`

	Data        string `toml:"data" ref:"file" help:"dsp: the DSP JSON file"`
	Domain      string `toml:"domain" help:"dsp: academy, business, entertainment or literature"`
	RewardModel string `toml:"reward_model" ref:"reward-model" help:"a reward model folder whose score is the reward (in a recipe \"@stage\": an rm stage's)"`

	TokenLevel bool `toml:"token_level" help:"baseline: sample and train tokens of the plain Llama instead of CoLA's latent policy"`
	Marginal   bool `toml:"marginal" help:"latent: the loss reads each token's log-prob with its codes summed out (log sum_a pi(a|s) p_WM(x|s,a)), not the sampled code's"`
	Layers     int  `toml:"layers" help:"token level: train the last N decoder blocks + final norm + lm_head (0: the full model)"`

	TopK        int     `toml:"top_k" help:"action sampling top-k (codes, or tokens at token level)"`
	Temperature float64 `toml:"temperature" help:"action sampling temperature (log-probs use it too)"`
	TopP        float64 `toml:"top_p" help:"action sampling top-p"`

	WrapSeed     uint64 `toml:"wrap_seed" help:"latent mode with a plain Llama: seed of the fresh CoLA modules"`
	PolicyLayers int    `toml:"policy_layers" help:"latent mode with a plain Llama: policy blocks of the fresh modules"`

	HeldOut   int `toml:"held_out" help:"capability check: backbone-sampled held-out continuations (0: skip)"`
	SaveEvery int `toml:"save_every" help:"checkpoint every N steps (and at the end)"`
}

// DefaultJob is GRPO with DefaultConfig, codes sampled as the paper does (top-k 40, T = 1).
func DefaultJob() Job {
	return Job{Config: DefaultConfig(), Task: "story-word", Layers: 2, TopK: 40, Temperature: 1, TopP: 1,
		WrapSeed: 7, PolicyLayers: 2, HeldOut: 32, SaveEvery: 25}
}

// Smoke shrinks the run to two tiny steps of the same shape (a recipe's --smoke).
func (j *Job) Smoke() {
	j.Steps, j.Prompts, j.Group = min(j.Steps, 2), min(j.Prompts, 2), min(j.Group, 2)
	j.MaxTokens, j.Warmup, j.HeldOut, j.SaveEvery = min(j.MaxTokens, 16), 0, min(j.HeldOut, 2), 1
}

// Validate checks what can be checked before a model is loaded.
func (j Job) Validate() error {
	if j.Task == "dsp" {
		if err := j.validateDSP(); err != nil {
			return err
		}
	} else if _, err := NewTask(j.Task, j.taskOptions()); err != nil {
		return err
	}
	return j.checkConfig()
}

// checkConfig checks the settings other than the task.
func (j Job) checkConfig() error {
	switch {
	case j.Steps <= 0 || j.Prompts <= 0 || j.Group <= 0 || j.MaxTokens <= 0:
		return fmt.Errorf("rl: steps, prompts, group and max_tokens must be positive")
	case j.Algo != GRPO && j.Algo != ReMax && j.Algo != RLOO && j.Algo != PPO:
		return fmt.Errorf("rl: algo %q: want grpo, remax, rloo or ppo", j.Algo)
	case j.KL != K1 && j.KL != K3:
		return fmt.Errorf("rl: kl_estimator %q: want k1 or k3", j.KL)
	case j.LR <= 0 || j.MinLR < 0 || j.MinLR > j.LR:
		return fmt.Errorf("rl: want 0 <= min_lr <= lr and lr > 0")
	case j.Temperature <= 0 || j.TopP <= 0 || j.TopP > 1 || j.TopK < 0:
		return fmt.Errorf("rl: want temperature > 0, 0 < top_p <= 1, top_k >= 0")
	case j.Turns < 0 || (j.Turns > 1 && j.Algo != GRPO && j.Algo != RLOO):
		return fmt.Errorf("rl: turns %d with %s: multi-turn episodes (turns > 1) train with grpo or rloo", j.Turns, j.Algo)
	case !j.ScaleRewards && j.Algo != GRPO:
		return fmt.Errorf("rl: scale_rewards = false is grpo's (Dr. GRPO); %s does not divide by a std", j.Algo)
	case j.Marginal && j.TokenLevel:
		return fmt.Errorf("rl: marginal sums out latent codes: it has no meaning at token level")
	case j.MicroBatch < 0:
		return fmt.Errorf("rl: micro_batch %d: want 0 (the mini-batch) or more rows", j.MicroBatch)
	}
	return nil
}

// Summary is what a job writes to OUT/summary.json beside metrics.jsonl.
type Summary struct {
	Task            string  `json:"task"`
	Algo            Algo    `json:"algo"`
	TokenLevel      bool    `json:"token_level"`
	Model           string  `json:"model"`
	Config          Config  `json:"config"`
	NLLBefore       float64 `json:"nll_before,omitempty"` // held-out NLL of the starting model
	NLLAfter        float64 `json:"nll_after,omitempty"`
	FrozenUnchanged bool    `json:"frozen_unchanged"`     // the weights RL must not touch hash the same
	TrainSeconds    float64 `json:"train_seconds"`        // summed over resumed runs
	StoppedAt       int     `json:"stopped_at,omitempty"` // --stop-at's step, while the run is unfinished
	Final           Metrics `json:"final"`                // the last step's metrics
}

// Run trains env.Model with the job into env.Out (metrics.jsonl, checkpoint/, summary.json,
// model/) on every rank of env.Group (nil: one process; parallel.go): rollouts and the update are
// shared out, rank 0 alone writes and reads the checkpoint a resume starts from. It returns the
// summary (rank 0).
func (j *Job) Run(ctx context.Context, env *job.Env) (any, error) {
	jj := *j
	var err error
	if jj.Data, err = env.Path(j.Data, job.FileRef); err != nil {
		return nil, err
	}
	if jj.RewardModel, err = env.Path(j.RewardModel, job.RewardModelRef); err != nil {
		return nil, err
	}
	if err := jj.Validate(); err != nil {
		return nil, err
	}
	m, err := checkpoint.Open(env.Model, env.Opt.ForTraining())
	if err != nil {
		return nil, err
	}
	defer m.Free()
	env.Logf("loaded %s: %s", env.Model, m)
	base := policyBase(m, env.Model) // before a plain Llama is wrapped
	sum, err := jj.train(ctx, m, env)
	if err != nil || sum == nil {
		return nil, err
	}
	// A stopped run writes its model as a finished one does, so that the model of step StopAt
	// can be evaluated (a token run over its last blocks checkpoints only those).
	wrote := "metrics.jsonl, summary.json, checkpoint/, model/"
	if err := m.Save(filepath.Join(env.Out, "model"), checkpoint.SaveOptions{DType: "F32"}); err != nil {
		return nil, err
	}
	if !j.TokenLevel && base != "" {
		if err := checkpoint.SavePolicy(m, filepath.Join(env.Out, "policy"), base); err != nil {
			return nil, err
		}
		wrote += ", policy/: the policy alone, over " + base
	}
	if sum.StoppedAt > 0 {
		env.Logf("stopped at step %d: wrote %s (%s); continue with --resume", sum.StoppedAt, env.Out, wrote)
		return nil, nil // the job is not done: a recipe stage runs again to finish it
	}
	env.Logf("wrote %s (%s)", env.Out, wrote)
	return sum, nil
}

// policyBase is what latent RL's policy/ points at: the CoLA the policy was trained over, by its
// shipped name when it is one; "" for a plain Llama, whose CoLA modules are fresh.
func policyBase(m *checkpoint.Model, path string) string {
	switch {
	case m.CoLA == nil:
		return ""
	case m.Base != "":
		return m.Base
	}
	if name, ok := models.NameOf(path); ok {
		return name
	}
	abs, _ := filepath.Abs(path)
	return abs
}

// train trains m with j in env; m changes in place: it ends as the trained model.
func (j Job) train(ctx context.Context, m *checkpoint.Model, env *job.Env) (*Summary, error) {
	if err := j.checkConfig(); err != nil {
		return nil, err
	}
	g, out, resume, progress := env.Group, env.Out, env.Resume, env.Progress
	many := g != nil && g.Size() > 1
	if many && g.Rank() > 0 {
		out, progress = "", nil // rank 0 reads and writes; the others take its state at the first step
	}
	tk, closeTask, err := j.task(m) // builds the task once, checking its keys
	if err != nil {
		return nil, err
	}
	defer closeTask()
	// The held-out text is sampled from the starting backbone, before anything trains.
	var held *HeldOut
	if j.HeldOut > 0 {
		if held, err = SampleHeldOut(m.Llama, m.Tok, StoryPrompts, j.HeldOut, 48, 12345); err != nil {
			return nil, err
		}
	}
	actor, err := j.actor(m, tk, progress)
	if err != nil {
		return nil, err
	}
	defer actor.Close()
	frozen0 := HashParams(actor.Frozen())
	tr, err := NewTrainer(actor, m.Tok, tk, j.Config)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	if many {
		tr.Group = g
	}
	if out == "" { // a rank other than 0: the same steps from rank 0's state, nothing written
		err := run.Loop(ctx, tr, run.Options{Name: "rl", Steps: j.Steps, StopAt: env.StopAt, Group: g})
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	sum := &Summary{Task: tk.Name, Algo: j.Algo, TokenLevel: j.TokenLevel, Model: m.Path, Config: j.Config}
	sumPath := filepath.Join(out, "summary.json")
	if resume != run.Fresh {
		var before Summary
		if b, err := os.ReadFile(sumPath); err == nil && json.Unmarshal(b, &before) == nil {
			sum.TrainSeconds = before.TrainSeconds
		}
	}
	if held != nil {
		if sum.NLLBefore, err = NLL(actor, held); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	err = run.Loop(ctx, tr, run.Options{Name: "rl", Steps: j.Steps, Out: out, SaveEvery: j.SaveEvery,
		Resume: resume, StopAt: env.StopAt, Progress: progress, Summary: progressLine, Group: g,
		OnStep: func(_ int, mt any) { sum.Final, _ = mt.(Metrics) }})
	sum.TrainSeconds += time.Since(start).Seconds()
	if err != nil {
		checkpoint.WriteJSON(sumPath, sum) // keeps the time spent for the resumed run
		return nil, err
	}
	sum.FrozenUnchanged = HashParams(actor.Frozen()) == frozen0 // a stopped run's summary says it too
	if env.Stopped(j.Steps) {
		sum.StoppedAt = env.StopAt
		return sum, checkpoint.WriteJSON(sumPath, sum)
	}
	if held != nil {
		if sum.NLLAfter, err = NLL(actor, held); err != nil {
			return nil, err
		}
	}
	if sum.Final == nil { // every step ran in an earlier process
		sum.Final = lastMetrics(filepath.Join(out, "metrics.jsonl"))
	}
	return sum, checkpoint.WriteJSON(sumPath, sum)
}

// actor is who samples and learns: the Llama's tokens, or CoLA's policy over codes (wrapping a
// plain Llama in fresh CoLA modules when it has none).
func (j Job) actor(m *checkpoint.Model, tk Task, progress io.Writer) (Actor, error) {
	smp := generate.Sampling{Temperature: j.Temperature, TopK: j.TopK, TopP: j.TopP}
	stop := m.Tok.StopTokens()
	if tk.Env != nil {
		stop = tokenizer.LineStops(m.Tok) // an environment's action is one line
	}
	if j.TokenLevel {
		return NewTokenActor(m.Llama, smp, j.Layers, stop)
	}
	if m.CoLA == nil {
		if progress != nil {
			fmt.Fprintf(progress, "%s is a plain Llama: wrapping it in fresh CoLA modules (seed %d, %d policy blocks)\n", m.Path, j.WrapSeed, j.PolicyLayers)
		}
		if err := m.WrapCoLA(cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 2, PolicyLayers: j.PolicyLayers}, j.WrapSeed); err != nil {
			return nil, err
		}
	}
	a, err := NewCoLAActor(m.CoLA, smp, stop)
	if err != nil {
		return nil, err
	}
	a.Marginal = j.Marginal
	return a, nil
}

// progressLine is what the progress bar shows of an RL step.
func progressLine(m any) string {
	mt, _ := m.(Metrics)
	return fmt.Sprintf("reward %.3f kl %.4f", mt["reward/mean"], mt["kl"])
}

func lastMetrics(path string) Metrics {
	lines, err := run.ReadMetrics(path)
	if err != nil || len(lines) == 0 {
		return nil
	}
	return Metrics(lines[len(lines)-1])
}
