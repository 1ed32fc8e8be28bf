package recipes

import (
	"cmp"
	"fmt"
	"strings"

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
		if t, ok := s.Job.(*train.Job); ok && t.Stage == train.StageLM {
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
		k, _ := kindNamed(s.Kind)
		if k.reach == nil {
			continue
		}
		m := peek(s.Model)
		if m == nil {
			continue
		}
		rc, ok := k.reach(e, *s, m.tok)
		if !ok {
			continue
		}
		issue := LengthIssue{Stage: s.Name, Context: m.ctx, Model: m.path, Positions: rc.fixed, Of: 1, What: rc.what}
		if rc.fixed > m.ctx {
			issue.Over = 1
		}
		if rc.prompts != nil {
			issue.Positions, issue.Of = 0, len(rc.prompts)
			for _, t := range rc.prompts {
				l := len(m.tok.Encode(t, tokenizer.EncodeOptions{BOS: true})) + rc.plus
				issue.Positions = max(issue.Positions, l)
				if l > m.ctx {
					issue.Over++
				}
			}
			issue.What = fmt.Sprintf("the longest prompt, %d tokens, + %s", issue.Positions-rc.plus, rc.what)
		}
		if issue.Over > 0 {
			issues = append(issues, issue)
		}
	}
	return issues
}

// reach is how far a stage's sequences go: the longest of prompts (BOS included) plus plus new
// tokens, or, without prompts, fixed positions; what says how it is made up.
type reach struct {
	prompts []string
	plus    int
	fixed   int
	what    string
}
