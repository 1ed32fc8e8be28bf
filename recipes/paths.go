package recipes

import (
	"path/filepath"
	"reflect"
	"strings"

	"colash/engine/job"
)

// A recipe names the files and folders it reads by paths relative to the recipe file (or
// absolute), models also by shipped names, and earlier stages' outputs as "@stage". refs lists a
// stage's references, once for every kind of stage: the checks before a run (checkFiles), the
// recipe as written to config.toml and the stages as they run (withAbsolutePaths) all read it.

// ref is one reference of a stage: a pointer to the setting, its recipe key and what it names.
type ref struct {
	p    *string
	key  string
	what job.Ref
}

// refs lists the stage's references: its model and its table's `ref`-tagged fields.
func (s *Stage) refs() []ref {
	out := []ref{{&s.Model, "model", job.ModelRef}}
	if s.Job != nil {
		out = appendRefs(out, reflect.ValueOf(s.Job).Elem())
	}
	return out
}

func appendRefs(out []ref, v reflect.Value) []ref {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		switch what := f.Tag.Get("ref"); {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			out = appendRefs(out, v.Field(i))
		case what != "":
			out = append(out, ref{v.Field(i).Addr().Interface().(*string), tomlKey(f), job.Ref(what)})
		}
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
func (r *Recipe) absolute(rf ref) string {
	p := *rf.p
	if p == "" || strings.HasPrefix(p, "@") || filepath.IsAbs(p) {
		return p
	}
	e := &env{r: r}
	if rf.what.IsModel() {
		if q := filepath.Join(filepath.Dir(r.path), p); r.path != "" && exists(q) {
			p = q
		} else if !exists(p) {
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
		*rf.p = r.absolute(rf)
	}
	return c
}

// withAbsolutePaths is a copy of the recipe whose every reference is absolute, and whose results
// folder is that of the copy's file (config.toml, written into it): a recipe file elsewhere, or
// another working folder, reads the same files and writes the same results as this one.
func (r *Recipe) withAbsolutePaths() *Recipe {
	c := *r
	c.Model.Path = r.absolute(ref{p: &c.Model.Path, what: job.ModelRef})
	c.Out = "."
	c.Stages = make([]Stage, len(r.Stages))
	for i, s := range r.Stages {
		c.Stages[i] = s.withAbsolutePaths(r)
	}
	return &c
}
