package taskeval

import (
	"context"
	"fmt"
	"io"

	"colash/engine/env"
	"colash/engine/env/household"
	"colash/engine/env/taskenv"
	"colash/engine/eval"
	"colash/engine/generate"
	"colash/engine/tasks"
	"colash/engine/testbed"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// Job is one evaluation of a model on a testbed task: `colash eval countdown|arith|household`
// and the recipes' task-eval stage.
type Job struct {
	Task              string  `toml:"task" flag:"-"` // countdown, arith or household (on the command line: colash eval TASK)
	Level             string  `toml:"level" help:"countdown level: cd3 or cd4"`
	Split             string  `toml:"split" help:"household split: seen, unseen, or invented or spelled (the training-only splits of made-up names)"`
	Data              string  `toml:"data" ref:"file" help:"problems, one JSON line each (countdown: {\"nums\": [..], \"target\": T}; arith: {\"expr\": \"...\"}); none: n generated from seed"`
	N                 int     `toml:"n" help:"generated problems or episodes (without data)"`
	Seed              uint64  `toml:"seed" help:"seed of the generated problems or episodes (the testbed trains on seed 1) and of sampling"`
	Batch             int     `toml:"batch" help:"problems per generation batch"`
	MaxTokens         int     `toml:"max_tokens" help:"new tokens per completion (0: the task's: countdown 400, arith 360, household 48 per action)"`
	Temperature       float64 `toml:"temperature" help:"token temperature (0: greedy)"`
	LatentTemperature float64 `toml:"latent_temperature" help:"CoLA code temperature (top-k 40, the paper's; 0: greedy codes)"`
	Admissible        bool    `toml:"admissible" help:"household: take the most likely of the environment's admissible actions (ALFWorld's command ranking) instead of writing one"`
}

// DefaultJob evaluates 100 held-out problems (seed 2: the testbed trains on seed 1) greedily in
// tokens, with CoLA codes sampled at the paper's settings.
func DefaultJob(task string) Job {
	j := Job{Task: task, N: 100, Seed: 2, Batch: 16, LatentTemperature: generate.PaperLatent.Temperature}
	switch task {
	case tasks.TaskCountdown:
		j.Level = "cd4"
	case "household":
		j.Split = "unseen"
	}
	return j
}

// Smoke shrinks the evaluation to four short answers (a recipe's --smoke).
func (j *Job) Smoke() { j.N, j.MaxTokens = min(j.N, 4), min(max(j.MaxTokens, 16), 16) }

// Validate checks the job's settings.
func (j Job) Validate() error {
	switch j.Task {
	case tasks.TaskCountdown, tasks.TaskArith:
	case "household":
		if j.Data != "" {
			return fmt.Errorf("household episodes come from n and seed, not data")
		}
		if _, err := household.New(household.Config{Split: j.Split}); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown task %q (have countdown, arith, household)", j.Task)
	}
	if j.Data == "" && j.N <= 0 {
		return fmt.Errorf("n must be positive (or give data)")
	}
	return nil
}

// CompletionTokens is the job's completion length: a whole worked solution (arith's digits format
// runs to about 320 characters), or one household action.
func (j Job) CompletionTokens() int {
	if j.MaxTokens > 0 {
		return j.MaxTokens
	}
	return map[string]int{tasks.TaskCountdown: 400, tasks.TaskArith: 360, "household": 48}[j.Task]
}

// Run evaluates m: a completion per problem (or an episode per seed), each verified.
func (j Job) Run(ctx context.Context, m *checkpoint.Model, progress io.Writer) ([]Result, Summary, error) {
	if err := j.Validate(); err != nil {
		return nil, Summary{}, err
	}
	latent := generate.PaperLatent
	latent.Temperature, latent.Seed = j.LatentTemperature, j.Seed
	if m.CoLA != nil && progress != nil {
		// A Llama decodes greedily here and a CoLA samples its codes: say so, so that the two
		// are not compared unawares.
		fmt.Fprintf(progress, "codes: %s\n", latentDecoding(latent))
	}
	opt := generate.Options{MaxTokens: j.CompletionTokens(), Sampling: generate.Sampling{Temperature: j.Temperature, Seed: j.Seed}}
	cfg := Config{Batch: j.Batch, Progress: progress, Tokens: forwardTokens(m.Tok), Context: m.Llama.Config.MaxPositions}
	if j.Task == "household" {
		opt.Stop = tokenizer.LineStops(m.Tok)
		seeds := make([]uint64, j.N)
		for i := range seeds {
			seeds[i] = testbed.EpisodeSeed(j.Seed, i)
		}
		agent := func(*household.Env) env.Agent { return taskenv.ModelAgent(m, latent, opt, true) }
		if j.Admissible {
			agent = func(e *household.Env) env.Agent { return taskenv.ChoiceAgent(m, e.Admissible) }
		}
		return Episodes(ctx, agent, household.Config{Split: j.Split}, seeds, cfg)
	}
	var items []tasks.Item
	var err error
	if j.Data != "" {
		items, err = tasks.ReadItems(j.Task, j.Data)
	} else {
		items, err = tasks.Load(j.Task, j.Level, j.N, j.Seed)
	}
	if err != nil {
		return nil, Summary{}, err
	}
	gen := &eval.ModelGenerator{
		NewSession: func(capacity int) generate.Session { return generate.NewSession(m, capacity, latent) },
		Tok:        m.Tok, Options: opt,
	}
	return Run(ctx, gen, items, cfg)
}

// forwardTokens counts the tokens a model runs for a prompt and its completion: the prompt with
// BOS, the completion and the token that ended it.
func forwardTokens(tok tokenizer.Tokenizer) func(prompt, completion string) int {
	return func(prompt, completion string) int {
		return len(tok.Encode(prompt, tokenizer.EncodeOptions{BOS: true})) + len(tok.Encode(completion, tokenizer.EncodeOptions{})) + 1
	}
}

// latentDecoding says how a CoLA's codes are chosen.
func latentDecoding(s generate.Sampling) string {
	if s.Temperature <= 0 {
		return "greedy (the policy's most likely code)"
	}
	return fmt.Sprintf("sampled at temperature %g, top-k %d, seed %d (--latent-temperature 0: greedy codes)", s.Temperature, s.TopK, s.Seed)
}
