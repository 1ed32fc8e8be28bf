package qlearn

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"colash/engine/generate"
	"colash/engine/job"
	"colash/engine/rl"
	"colash/engine/run"
	"colash/engine/search"
	"colash/model/atomic"
	"colash/model/checkpoint"
	"colash/model/qnet"
	"colash/model/weights"
)

// CollectJob is a collection as `colash qnet collect` and recipes' qnet-collect stages describe
// it: best-of-N completions of a task's first problems, scored by the task's reward.
type CollectJob struct {
	Task      string   `toml:"task" help:"task: story-target, story-pair, math (MATH train) or an RL task (colash rl --help); not math500, the evaluation set"`
	Words     []string `toml:"words" help:"story tasks: comma-separated target words"`
	From      int      `toml:"from" help:"first problem (held-out samples: the evaluation's n or more, so that they share no problem)"`
	Problems  int      `toml:"n" help:"problems (from the first, or from from)"`
	Samples   int      `toml:"samples" help:"completions per problem (best-of-N)"`
	MaxTokens int      `toml:"max_tokens" help:"tokens per completion"`
	Seed      uint64   `toml:"seed" help:"seed of code sampling"`
}

// DefaultCollect is 8 samples of 48 tokens for each of 100 story-target problems.
func DefaultCollect() CollectJob {
	return CollectJob{Task: "story-target", Problems: 100, Samples: 8, MaxTokens: 48, Seed: 1}
}

// Smoke shrinks the collection to a few short samples (a recipe's --smoke).
func (j *CollectJob) Smoke() {
	j.Problems, j.Samples, j.MaxTokens = min(j.Problems, 2), min(j.Samples, 2), min(j.MaxTokens, 12)
}

// Validate checks the numbers and the task.
func (j CollectJob) Validate() error {
	_, err := j.checked()
	return err
}

// checked is the job's task, once the numbers are checked.
func (j CollectJob) checked() (rl.Task, error) {
	if j.Problems <= 0 || j.Samples <= 0 || j.MaxTokens <= 0 || j.From < 0 {
		return rl.Task{}, fmt.Errorf("qnet collect: n %d, samples %d and max_tokens %d must be positive, from %d not negative", j.Problems, j.Samples, j.MaxTokens, j.From)
	}
	tk, err := search.TrainingTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.From + j.Problems})
	if err != nil {
		return rl.Task{}, err
	}
	return tk, checkFrom(tk, j.From)
}

// CollectSummary counts what a collection holds.
type CollectSummary struct {
	Problems   int     `json:"problems"`
	Samples    int     `json:"samples"`
	MeanReward float64 `json:"mean_reward"`
	Solved     float64 `json:"solved"` // fraction of problems with a sample of reward >= 1
}

// RunCollect samples with the CoLA m and writes the collection to path whole or not at all.
func RunCollect(ctx context.Context, m *checkpoint.Model, j CollectJob, path string, progress io.Writer) (*CollectSummary, error) {
	tk, err := j.checked()
	if err != nil {
		return nil, err
	}
	if m.CoLA == nil {
		return nil, fmt.Errorf("qnet collect: %s is not a CoLA model: samples are code sequences", m.Path)
	}
	lat := generate.PaperLatent
	lat.Seed = j.Seed
	o := CollectOptions{From: j.From, Problems: j.Problems, Samples: j.Samples, MaxTokens: j.MaxTokens, Latent: lat}
	err = atomic.Write(path, func(w io.Writer) error { return Collect(ctx, m.CoLA, m.Tok, tk, o, w, progress) })
	if err != nil {
		return nil, err
	}
	data, err := ReadSamples(path)
	if err != nil {
		return nil, err
	}
	return summarise(data), nil
}

func summarise(data []Sample) *CollectSummary {
	s := &CollectSummary{Samples: len(data)}
	solved := map[int]bool{}
	for _, d := range data {
		if _, seen := solved[d.Problem]; !seen {
			solved[d.Problem] = false
		}
		solved[d.Problem] = solved[d.Problem] || d.Reward >= 1
		s.MeanReward += d.Reward / float64(len(data))
	}
	for _, ok := range solved {
		if ok {
			s.Solved++
		}
	}
	s.Problems = len(solved)
	s.Solved /= float64(max(s.Problems, 1))
	return s
}

// TrainJob is the Q-network's training as `colash qnet train` and recipes' qnet-train stages
// describe it.
type TrainJob struct {
	Config
	Data      string `toml:"data" ref:"samples" help:"samples from colash qnet collect (in a recipe \"@stage\": a qnet-collect stage's)"`
	SaveEvery int    `toml:"save_every" help:"checkpoint every N steps"`
}

// DefaultTrain is Paper's training, checkpointed every 50 steps.
func DefaultTrain() TrainJob { return TrainJob{Config: Paper(), SaveEvery: 50} }

// Smoke shrinks the training to two tiny steps (a recipe's --smoke).
func (j *TrainJob) Smoke() {
	j.Steps, j.Batch, j.Warmup, j.SaveEvery = min(j.Steps, 2), min(j.Batch, 2), 0, 1
}

// Validate checks the numbers.
func (j TrainJob) Validate() error {
	if j.Data == "" {
		return fmt.Errorf("qnet train: data is required (a collection of samples)")
	}
	if j.MicroBatch < 0 {
		return fmt.Errorf("qnet train: micro_batch %d: want 0 (the batch) or more", j.MicroBatch)
	}
	if j.Batch <= 0 || j.Steps <= 0 || j.TargetEvery <= 0 || j.SaveEvery <= 0 {
		return fmt.Errorf("qnet train: batch %d, steps %d, target_every %d and save_every %d must be positive", j.Batch, j.Steps, j.TargetEvery, j.SaveEvery)
	}
	return j.checkTargets()
}

// Run trains a fresh Q-network on the backbone of env.Model, a CoLA (loaded twice: the online and
// the target network), logging metrics.jsonl and checkpoint/ in env.Out, and writes the Q-network
// to env.ModelOut(); it returns the last step's metrics. Under a group each rank computes its
// share of every batch and rank 0 alone reads and writes files (parallel.go): `colash qnet train`
// and a recipe's qnet-train stage.
func (j *TrainJob) Run(ctx context.Context, env *job.Env) (any, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	data, err := env.Path(j.Data, job.SamplesRef)
	if err != nil {
		return nil, err
	}
	samples, err := ReadSamples(data)
	if err != nil {
		return nil, err
	}
	if err := search.CheckTrainingPrompts(PromptsOf(samples)); err != nil {
		return nil, fmt.Errorf("qnet train: %s: %w", data, err)
	}
	open := func() (*checkpoint.Model, error) { return checkpoint.Open(env.Model, env.Opt.ForTraining()) }
	online, tokPath, err := newBody(open, j.Seed)
	if err != nil {
		return nil, err
	}
	defer online.Free()
	target, _, err := newBody(open, j.Seed)
	if err != nil {
		return nil, err
	}
	defer target.Free()
	tr, err := NewTrainer(online, target, samples, j.Config)
	if err != nil {
		return nil, err
	}
	defer tr.Opt.Free()
	if err := tr.SetGroup(env.Group); err != nil {
		return nil, err
	}
	o := run.Options{Name: "qnet", Steps: j.Steps, Out: env.Out, SaveEvery: j.SaveEvery, Resume: env.Resume, StopAt: env.StopAt,
		Progress: env.Progress, Summary: func(m any) string { return fmt.Sprintf("loss %.4f", m.(map[string]any)["loss"]) }, Group: env.Group}
	if err := run.Loop(ctx, tr, o); err != nil {
		return nil, err
	}
	if !env.Rank0() { // the same steps from rank 0's state, nothing written
		return nil, nil
	}
	if err := online.Save(env.ModelOut(), tokPath); err != nil {
		return nil, err
	}
	if env.Stopped(j.Steps) {
		env.Logf("stopped at step %d: wrote %s; continue with --resume", env.StopAt, env.ModelOut())
		return nil, nil
	}
	env.Logf("Q-network written to %s (colash search --qnet %s)", env.ModelOut(), env.ModelOut())
	lines, err := run.ReadMetrics(filepath.Join(env.Out, "metrics.jsonl"))
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	return lines[len(lines)-1], nil
}

// newBody is a fresh Q-network on a loaded CoLA's backbone (its modules are freed).
func newBody(open func() (*checkpoint.Model, error), seed uint64) (*qnet.QNet, string, error) {
	m, err := open()
	if err != nil {
		return nil, "", err
	}
	if m.CoLA == nil {
		m.Free()
		return nil, "", fmt.Errorf("qnet train: %s is not a CoLA model: the Q-network scores its codes", m.Path)
	}
	codes := m.CoLA.Config.NumCode
	weights.Free(m.CoLA) // the modules only: the backbone becomes the Q-network's body
	q, err := qnet.New(m.Llama, codes, seed)
	if err != nil {
		m.Llama.Free()
		return nil, "", err
	}
	return q, m.TokenizerPath, nil
}
