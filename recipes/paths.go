package recipes

import (
	"path/filepath"
	"reflect"
	"strings"

	"colash/engine/job"
	"colash/models"
)

// A recipe names the files and folders it reads by paths relative to the recipe file (or
// absolute), models also by shipped names, and earlier stages' outputs as "@stage". refs lists a
// stage's references, once for every kind of stage: the checks before a run (checkFiles), the
// recipe as written to config.toml and the stages as they run (withAbsolutePaths) all read it.

// refs lists the stage's references: its model and its table's `ref`-tagged fields.
func (s *Stage) refs() []job.Reference {
	out := []job.Reference{{Key: "model", What: job.ModelRef, P: &s.Model}}
	if s.Job != nil {
		out = append(out, job.References(s.Job)...)
	}
	return out
}

// clone is a copy of the stage with a copy of its table, whose references can be rewritten.
func (s Stage) clone() Stage {
	if s.Job != nil {
		v := reflect.ValueOf(s.Job).Elem()
		c := reflect.New(v.Type())
		c.Elem().Set(v)
		s.Job = c.Interface().(Job)
	}
	return s
}

// absolute is the reference as an absolute path to what it names; "", "@stage", a shipped model
// name and a path to nothing stay as they are.
func (r *Recipe) absolute(rf job.Reference) string {
	p := *rf.P
	if p == "" || strings.HasPrefix(p, "@") || filepath.IsAbs(p) {
		return p
	}
	e := &env{r: r}
	if rf.What.IsModel() {
		if q, ok := e.besideRecipe(p); ok {
			p = q
		} else if !models.Local(p) {
			return p // a shipped name (models.Resolve), or missing (checkFiles says so)
		}
	} else {
		p = e.file(p)
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
		*rf.P = r.absolute(rf)
	}
	return c
}

// withAbsolutePaths is a copy of the recipe whose every reference is absolute, and whose results
// folder is that of the copy's file (config.toml, written into it): a recipe file elsewhere, or
// another working folder, reads the same files and writes the same results as this one.
func (r *Recipe) withAbsolutePaths() *Recipe {
	c := *r
	c.Model.Path = r.absolute(job.Reference{P: &c.Model.Path, What: job.ModelRef})
	c.Out = "."
	c.Stages = make([]Stage, len(r.Stages))
	for i, s := range r.Stages {
		c.Stages[i] = s.withAbsolutePaths(r)
	}
	return &c
}
