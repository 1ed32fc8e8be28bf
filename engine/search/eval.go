package search

import (
	"cmp"
	"context"
	"io"
	"time"

	"colash/engine/eval"
	"colash/engine/rl"
	"colash/engine/run"
	"colash/model/tokenizer"
)

// Record is one problem's outcome.
type Record struct {
	Problem  int     `json:"problem"`
	Answer   string  `json:"answer"`
	Reward   float64 `json:"reward"`                // the task's reward of the answer
	Score    float64 `json:"guide_score,omitempty"` // the guide's score of it (with a guide)
	Success  bool    `json:"success"`
	Forward  int64   `json:"forward_tokens"`
	Nodes    int     `json:"nodes"`
	Searches int     `json:"searches"`
	// MCTS-Q's children whose TD uncertainty was measured, and those below the threshold.
	Judged    int `json:"judged_children,omitempty"`
	Confident int `json:"confident_children,omitempty"`
	// Codes whose token a sibling already had (Config.Distinct): tries that made no child.
	Merged int `json:"merged_codes,omitempty"`
}

// Results are a method's figures over a task's problems, as results.json holds them.
type Results struct {
	Method       string     `json:"method"`
	Task         string     `json:"task"`
	BudgetTokens int64      `json:"budget_tokens"`
	N            int        `json:"n"`
	Successes    int        `json:"successes"`
	SuccessRate  float64    `json:"success_rate"`
	CI95         [2]float64 `json:"success_ci95"` // Wilson score interval
	MeanReward   float64    `json:"mean_reward"`
	// ForwardPerProblem is the forward tokens of backbone + policy + world model + Q-network
	// spent per problem; Forward splits them by module.
	ForwardPerProblem float64 `json:"forward_tokens_per_problem"`
	Forward           Counter `json:"forward_tokens_by_module"`
	NodesPerSecond    float64 `json:"nodes_per_second"`
	Seconds           float64 `json:"seconds"`
	Reuse             bool    `json:"prefix_reuse"`
	// Scorer is what scored rollouts and candidates during search: "task" (the task's reward),
	// "reward-model" (a reward model's score; success is still the task's reward of the answer
	// found) or "oracle" (the grader against the gold answer).
	Scorer string `json:"scorer"`
	// Oracle marks a search scored by the gold answer: it inflates success and is not a search
	// result in the paper's sense.
	Oracle  bool     `json:"oracle"`
	Records []Record `json:"records"`
}

// TaskReward scores answers (tokens) to one example with an engine reward; a reward that fails
// scores 0, as in RL.
func TaskReward(r rl.Reward, tok tokenizer.Tokenizer, ex rl.Example) Reward {
	return func(answers [][]int) ([]float64, error) {
		texts, prompts, exs := make([]string, len(answers)), make([]string, len(answers)), make([]rl.Example, len(answers))
		for i, a := range answers {
			texts[i], prompts[i], exs[i] = tok.Decode(a), ex.Prompt, ex
		}
		return rl.Score(r, prompts, texts, exs, 0).Values, nil
	}
}

// Scoring says which problems a search evaluation runs and how its answers are scored.
type Scoring struct {
	N       int     // the first N problems of the task
	Success float64 // an answer succeeds when the task's reward of it reaches this
	// Guide scores rollouts and candidates during search (nil: the task's reward). The answer a
	// search returns is then judged by the task's reward, as the paper's reward model guides
	// MCTS-Q and the grader measures accuracy.
	Guide rl.Reward
	// Batch is how many problems are searched together (RunBatch: the same results up to
	// rounding, their model calls batched); 0 is DefaultBatch, 1 one at a time.
	Batch int
}

// DefaultBatch is how many problems Evaluate searches together unless told otherwise.
const DefaultBatch = 8

// Evaluate runs a method on the first sc.N problems of task (each seeded with o.Seed + 7919 times
// its index; sc.Batch of them at a time, side by side) and counts a success when the task's reward of an answer reaches sc.Success.
func Evaluate(ctx context.Context, m *CoLA, tok tokenizer.Tokenizer, task rl.Task, o Options, sc Scoring, progress io.Writer) (*Results, error) {
	n := min(sc.N, len(task.Examples))
	res := &Results{Method: o.Method, Task: task.Name, BudgetTokens: o.Budget, N: n, Reuse: m.Reuse, Scorer: "task"}
	guide := task.Reward
	if sc.Guide != nil {
		guide, res.Scorer = sc.Guide, "reward-model"
	}
	bar := run.NewBar(progress, o.Method, n)
	start, nodes := time.Now(), 0
	base := *m.Counter()
	together := cmp.Or(sc.Batch, DefaultBatch)
	for first := 0; first < n; first += together {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		exs := task.Examples[first:min(first+together, n)]
		prompts, rewards, opts := make([][]int, len(exs)), make([]Reward, len(exs)), make([]Options, len(exs))
		for k, ex := range exs {
			prompts[k] = tok.Encode(ex.Prompt, tokenizer.EncodeOptions{BOS: true})
			rewards[k] = TaskReward(guide, tok, ex)
			opts[k] = o
			opts[k].Seed = o.Seed + uint64(first+k)*7919
		}
		trees, err := RunBatch(m, prompts, rewards, opts)
		if err != nil {
			return nil, err
		}
		for k, t := range trees {
			ex := exs[k]
			r := Record{Problem: first + k, Answer: tok.Decode(t.Answer), Reward: t.Reward,
				Forward: t.Stats.Forward.Total(), Nodes: t.Stats.Nodes, Searches: t.Stats.Searches,
				Judged: t.Stats.Judged, Confident: t.Stats.Confident, Merged: t.Stats.Merged}
			if sc.Guide != nil {
				r.Score = t.Reward
				r.Reward = rl.Score(task.Reward, []string{ex.Prompt}, []string{r.Answer}, []rl.Example{ex}, 0).Values[0]
			}
			r.Success = r.Reward >= sc.Success
			res.Records = append(res.Records, r)
			nodes += t.Stats.Nodes
			res.MeanReward += r.Reward / float64(n)
			res.ForwardPerProblem += float64(r.Forward) / float64(n)
			if r.Success {
				res.Successes++
			}
		}
		if bar != nil {
			bar.Add(len(exs))
		}
	}
	res.Forward = m.Counter().Minus(base)
	res.Seconds = time.Since(start).Seconds()
	res.NodesPerSecond = float64(nodes) / res.Seconds
	res.SuccessRate = float64(res.Successes) / float64(max(n, 1))
	lo, hi := eval.Wilson(res.Successes, n)
	res.CI95 = [2]float64{lo, hi}
	return res, nil
}
