package recipes

import (
	"cmp"
	"fmt"
	"strings"

	"colash/engine/eval"
	"colash/engine/rl"
	"colash/engine/search"
	"colash/engine/train"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
)

// A LengthIssue is a stage whose sequences run past the context of the model it loads.
type LengthIssue struct {
	Stage     string
	Positions int // the longest sequence the stage makes: prompt (BOS included) + new tokens
	Context   int // the model's max_position_embeddings
	Over      int // how many of the stage's prompts (or sequences) pass Context
	Of        int
	What      string // how Positions is made up
	Model     string // as the recipe names it
}

// String says what will happen: colash does not stop at the context (RoPE extends to any
// position), but the model was never trained past it.
func (l LengthIssue) String() string {
	over := ""
	if l.Of > 1 {
		over = fmt.Sprintf(" (%d of %d prompts)", l.Over, l.Of)
	}
	return fmt.Sprintf("stage %q: sequences reach %d positions%s (%s), but model %q has max_position_embeddings %d. "+
		"colash will not stop there (rotary positions extend to any length), but the model was never trained "+
		"past position %d: what it computes beyond it is unreliable. Shorten the stage's lengths or set "+
		"model.path to a model with a longer context.",
		l.Stage, l.Positions, over, l.What, l.Model, l.Context, l.Context)
}

// CheckLengths compares each stage's longest sequence (prompt + new tokens, or the training
// sequence length) with the max_position_embeddings of the model the stage loads, and returns a
// LengthIssue per stage that passes it. A model folder it cannot read (not made yet, or a
// llama2.c .bin file) is skipped.
func (r *Recipe) CheckLengths() []LengthIssue {
	e := &env{r: r}
	byName := map[string]*Stage{}
	for i := range r.Stages {
		byName[r.Stages[i].Name] = &r.Stages[i]
	}
	// root follows "@stage" models back to the checkpoint they were trained from: training
	// keeps the backbone, and with it the context. A model pretrained by the recipe itself
	// (a train stage with stage = "lm") does not exist before the run: ok is false.
	var root func(ref string, depth int) (string, bool)
	root = func(ref string, depth int) (string, bool) {
		name, ok := strings.CutPrefix(ref, "@")
		if !ok || depth > len(r.Stages) {
			return ref, true
		}
		s := byName[name]
		if s == nil {
			return ref, true
		}
		if s.Train != nil && s.Train.Stage == train.StageLM {
			return "", false
		}
		return root(s.Model, depth+1)
	}
	type peeked struct {
		ctx  int
		tok  tokenizer.Tokenizer
		path string
	}
	cache := map[string]*peeked{}
	peek := func(ref string) *peeked {
		base, ok := root(ref, 0)
		if !ok {
			return nil
		}
		p, err := e.modelPath(base)
		if err != nil {
			return nil
		}
		if c, ok := cache[p]; ok {
			return c
		}
		var out *peeked
		if cfg, tok, err := checkpoint.Peek(p); err == nil && cfg.MaxPositions > 0 {
			out = &peeked{cfg.MaxPositions, tok, cmp.Or(base, r.Model.Path, "the default model")}
		}
		cache[p] = out
		return out
	}
	var issues []LengthIssue
	for i := range r.Stages {
		s := &r.Stages[i]
		if s.Train != nil && s.Train.Stage == train.StageLM {
			continue // its shape is its config, which colash train lm checks against seq
		}
		m := peek(s.Model)
		if m == nil {
			continue
		}
		issue := LengthIssue{Stage: s.Name, Context: m.ctx, Model: m.path}
		// prompts sets Positions from the longest prompt plus n new tokens, and counts those over.
		prompts := func(texts []string, n int, what string) {
			for _, t := range texts {
				l := len(m.tok.Encode(t, tokenizer.EncodeOptions{BOS: true})) + n
				issue.Positions = max(issue.Positions, l)
				if l > m.ctx {
					issue.Over++
				}
			}
			issue.Of = len(texts)
			issue.What = fmt.Sprintf("the longest prompt, %d tokens, + %s", issue.Positions-n, what)
		}
		fixed := func(n int, what string) {
			issue.Positions, issue.What, issue.Of = n, what, 1
			if n > m.ctx {
				issue.Over = 1
			}
		}
		switch {
		case s.Sample != nil:
			fixed(1+s.Sample.Len, fmt.Sprintf("BOS + len %d", s.Sample.Len))
		case s.Train != nil:
			fixed(s.Train.Seq, fmt.Sprintf("seq %d", s.Train.Seq))
		case s.Report != nil:
			d := train.DefaultReport
			fixed(max(d.Seq, d.PromptLen+d.GenLen), fmt.Sprintf("the report's sequences of %d tokens", d.Seq))
		case s.RM != nil:
			fixed(s.RM.MaxLen, fmt.Sprintf("max_len %d", s.RM.MaxLen))
		case s.Eval != nil:
			probs, err := s.Eval.withData(e).Problems()
			if err != nil {
				continue
			}
			if s.Eval.N > 0 && s.Eval.N < len(probs) {
				probs = probs[:s.Eval.N]
			}
			var texts []string
			for _, p := range probs {
				texts = append(texts, eval.MathPrompt(p.Problem))
			}
			prompts(texts, s.Eval.MaxTokens, fmt.Sprintf("max_tokens %d", s.Eval.MaxTokens))
		case s.RL != nil:
			j := s.RL
			if j.Task == "dsp" {
				continue // the prompts are in the (unshipped) data file
			}
			t, err := rl.NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.Limit})
			if err != nil {
				continue
			}
			turns := max(j.Turns, 1)
			what := fmt.Sprintf("max_tokens %d", j.MaxTokens)
			n := j.MaxTokens * turns
			if turns > 1 {
				// every try after the first adds the feedback line to the transcript
				fb := len(m.tok.Encode(rl.RetryFeedback(0), tokenizer.EncodeOptions{}))
				n += (turns - 1) * fb
				what = fmt.Sprintf("%d turns of max_tokens %d and the feedback between them", turns, j.MaxTokens)
			}
			prompts(examplePrompts(t.Examples), n, what)
		case s.QCollect != nil:
			t, err := search.NewTask(s.QCollect.Task, rl.TaskOptions{Words: s.QCollect.Words, Limit: s.QCollect.Problems})
			if err != nil {
				continue
			}
			prompts(examplePrompts(t.Examples), s.QCollect.MaxTokens, fmt.Sprintf("max_tokens %d", s.QCollect.MaxTokens))
		case s.Search != nil:
			j := s.Search
			t, err := search.NewTask(j.Task, rl.TaskOptions{Words: j.Words, Limit: j.N})
			if err != nil {
				continue
			}
			n, what := j.D+j.SimTokens, fmt.Sprintf("at least depth %d + a rollout of sim_tokens %d", j.D, j.SimTokens)
			if j.AnswerTokens > 0 {
				n, what = j.AnswerTokens, fmt.Sprintf("answer_tokens %d", j.AnswerTokens)
			}
			prompts(examplePrompts(t.Examples), n, what)
		}
		if issue.Over > 0 {
			issues = append(issues, issue)
		}
	}
	return issues
}

func examplePrompts(exs []rl.Example) []string {
	var out []string
	for _, ex := range exs {
		out = append(out, ex.Prompt)
	}
	return out
}

// withData is the eval with its data file resolved against the recipe's folder.
func (ev *Eval) withData(e *env) *Eval {
	c := *ev
	if c.Data != "" {
		c.Data = e.dataPath(c.Data)
	}
	return &c
}
