package recipes

import (
	"path/filepath"
	"reflect"
	"strings"
)

// A recipe names the files and folders it reads by paths relative to the recipe file (or
// absolute), models also by shipped names, and earlier stages' outputs as "@stage". refs lists a
// stage's references, once for every kind of stage: the checks before a run (checkFiles), the
// recipe as written to config.toml and the stages as they run (withAbsolutePaths) all read it.

// ref is one reference of a recipe: a model's (modelPath: relative to the recipe file when that
// exists, else a shipped name or a path from the working folder) or a file's or folder's
// (dataPath: relative to the recipe file).
type ref struct {
	p     *string
	model bool
}

// refs lists the stage's references, as pointers into s and its tables.
func (s *Stage) refs() []ref {
	out := []ref{{&s.Model, true}}
	files := func(ps ...*string) {
		for _, p := range ps {
			out = append(out, ref{p: p})
		}
	}
	if t := s.Train; t != nil {
		files(&t.Data, &t.Shape, &t.Tokenizer)
	}
	if t := s.Report; t != nil {
		files(&t.Data)
		out = append(out, ref{&t.Reference, true})
	}
	if t := s.Eval; t != nil {
		files(&t.Data)
	}
	if t := s.RM; t != nil {
		files(&t.Data, &t.Samples)
	}
	if t := s.RL; t != nil {
		files(&t.Data, &t.RewardModel)
	}
	if t := s.QTrain; t != nil {
		files(&t.Data)
	}
	if t := s.Search; t != nil {
		files(&t.QNet, &t.RewardModel)
	}
	if t := s.TaskEval; t != nil {
		files(&t.Data)
	}
	return out
}

// clone is a copy of the stage with copies of its tables, whose references can be rewritten.
func (s Stage) clone() Stage {
	v := reflect.ValueOf(&s).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Struct {
			c := reflect.New(f.Elem().Type())
			c.Elem().Set(f.Elem())
			f.Set(c)
		}
	}
	return s
}

// absolute is the reference as an absolute path to what it names; "", "@stage", a shipped model
// name and a path to nothing stay as they are.
func (r *Recipe) absolute(rf ref) string {
	p := *rf.p
	if p == "" || strings.HasPrefix(p, "@") || filepath.IsAbs(p) {
		return p
	}
	e := &env{r: r}
	if rf.model {
		if q := filepath.Join(filepath.Dir(r.path), p); r.path != "" && exists(q) {
			p = q
		} else if !exists(p) {
			return p // a shipped name (models.Resolve), or missing (checkFiles says so)
		}
	} else {
		p = e.dataPath(p)
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// withAbsolutePaths is the stage with every reference made absolute (see absolute).
func (s Stage) withAbsolutePaths(r *Recipe) Stage {
	c := s.clone()
	for _, rf := range c.refs() {
		*rf.p = r.absolute(rf)
	}
	return c
}

// withAbsolutePaths is a copy of the recipe whose every reference is absolute, and whose results
// folder is that of the copy's file (config.toml, written into it): a recipe file elsewhere, or
// another working folder, reads the same files and writes the same results as this one.
func (r *Recipe) withAbsolutePaths() *Recipe {
	c := *r
	c.Model.Path = r.absolute(ref{&c.Model.Path, true})
	c.Out = "."
	c.Stages = make([]Stage, len(r.Stages))
	for i, s := range r.Stages {
		c.Stages[i] = s.withAbsolutePaths(r)
	}
	return &c
}
