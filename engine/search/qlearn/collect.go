// Package qlearn makes and trains MCTS-Q's Q-network (the paper's section 2.4): best-of-N samples
// of a CoLA stored as JSONL (Collect), then offline double-DQN on their codes (Trainer, a
// resumable engine/run job).
package qlearn

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"colash/engine/generate"
	"colash/engine/rl"
	"colash/engine/run"
	"colash/model/cola"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// Sample is one line of a collection: a completion, the code of each of its tokens and its
// reward (given at the last token).
type Sample struct {
	Problem    int     `json:"problem"`
	Prompt     string  `json:"prompt"`
	PromptIDs  []int   `json:"prompt_ids"`
	Completion string  `json:"completion"`
	Tokens     []int   `json:"tokens"`
	Codes      []int   `json:"codes"`
	Reward     float64 `json:"reward"`
}

// CollectOptions size a collection.
type CollectOptions struct {
	// From is the first problem: held-out samples start past the problems an evaluation uses.
	From                         int
	Problems, Samples, MaxTokens int
	Latent                       generate.Sampling // code sampling (Seed: the first problem's)
}

// checkFrom refuses a first problem the task does not have.
func checkFrom(task rl.Task, from int) error {
	if from < 0 || from >= len(task.Examples) {
		return fmt.Errorf("qnet collect: from %d: task %s has problems 0 to %d", from, task.Name, len(task.Examples)-1)
	}
	return nil
}

// Collect samples o.Samples completions of each of o.Problems examples of task from o.From with
// the CoLA (codes sampled, greedy tokens), scores them with the task's reward and writes one
// Sample per line to w.
func Collect(ctx context.Context, m *cola.Model, tok tokenizer.Tokenizer, task rl.Task, o CollectOptions, w io.Writer, progress io.Writer) error {
	if o.Samples <= 0 || o.MaxTokens <= 0 {
		return fmt.Errorf("qnet collect: samples %d and max tokens %d must be positive", o.Samples, o.MaxTokens)
	}
	if err := checkFrom(task, o.From); err != nil {
		return err
	}
	n := min(o.Problems, len(task.Examples)-o.From)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	bar := run.NewBar(progress, "collect", n)
	for i := o.From; i < o.From+n; i++ {
		ex := task.Examples[i]
		ids := tok.Encode(ex.Prompt, tokenizer.EncodeOptions{BOS: true})
		prompts := make([][]int, o.Samples)
		for k := range prompts {
			prompts[k] = ids
		}
		lat := o.Latent
		lat.Seed += uint64(i)
		sess := generate.NewCoLASession(m, len(ids)+o.MaxTokens+1, lat)
		var outs [][]int
		var err error
		if gerr := tensor.Guard(func() {
			tensor.NoGrad(func() {
				outs, err = generate.Generate(ctx, sess, prompts, generate.Options{MaxTokens: o.MaxTokens, Stop: tok.StopTokens()})
			})
		}); gerr != nil {
			err = gerr
		}
		codes := sess.Codes()
		sess.Close()
		if err != nil {
			return err
		}
		texts, ps, exs := make([]string, len(outs)), make([]string, len(outs)), make([]rl.Example, len(outs))
		for k, out := range outs {
			texts[k], ps[k], exs[k] = tok.Decode(out), ex.Prompt, ex
		}
		scores := rl.Score(task.Reward, ps, texts, exs, 0)
		for k, out := range outs {
			s := Sample{Problem: i, Prompt: ex.Prompt, PromptIDs: ids, Completion: texts[k], Tokens: out,
				Codes: codes[k][:len(out)], Reward: scores.Values[k]}
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	return bw.Flush()
}

// ReadSamples reads a collection, checking that every sample has a code per token.
func ReadSamples(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Sample
	dec := json.NewDecoder(f)
	for line := 1; dec.More(); line++ {
		var s Sample
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s: sample %d: %w", path, line, err)
		}
		if len(s.Codes) != len(s.Tokens) || len(s.Tokens) == 0 || len(s.PromptIDs) == 0 {
			return nil, fmt.Errorf("%s: sample %d has %d tokens, %d codes and %d prompt ids", path, line, len(s.Tokens), len(s.Codes), len(s.PromptIDs))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	return out, nil
}

// PromptsOf is each sample's prompt, in order.
func PromptsOf(data []Sample) []string {
	out := make([]string, len(data))
	for i, s := range data {
		out[i] = s.Prompt
	}
	return out
}
