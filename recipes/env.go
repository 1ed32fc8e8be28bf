package recipes

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"colash/engine/dist"
	"colash/engine/job"
	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/models"
)

// env is what every stage needs: the recipe, its output folder, where tensors go and progress.
type env struct {
	r        *Recipe
	out      string
	opt      checkpoint.Options
	progress io.Writer
	group    *dist.Group // under a launcher: every rank runs the data-parallel stages (nil: one process)
	others   io.Writer   // a rank other than 0: where it says which stages it joins (progress is rank 0's)
}

// dir is a stage's folder.
func (e *env) dir(name string) string { return filepath.Join(e.out, name) }

// resolve resolves a reference to what it names ("" stays ""): "@stage" is that stage's output
// (outputFile), a model may be a shipped name, and a file is relative to the recipe file.
func (e *env) resolve(ref string, what job.Ref) (string, error) {
	switch {
	case ref == "":
		return "", nil
	case what.IsModel():
		return e.modelPath(ref)
	case strings.HasPrefix(ref, "@"):
		return filepath.Join(e.dir(ref[1:]), outputFile[what]), nil
	}
	return e.file(ref), nil
}

// modelPath resolves a stage's model: the recipe's, or an earlier stage's.
func (e *env) modelPath(ref string) (string, error) {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), outputFile[job.ModelRef]), nil
	}
	if ref == "" {
		ref = e.r.Model.Path
	}
	if p, ok := e.besideRecipe(ref); ok {
		return p, nil
	}
	return models.Resolve(ref)
}

// besideRecipe is a model reference resolved relative to the recipe file, when something is
// there (a model is otherwise a shipped name or a path from the working folder).
func (e *env) besideRecipe(ref string) (string, bool) {
	if p := e.file(ref); p != ref && models.Local(p) {
		return p, true
	}
	return "", false
}

// file is a file's path: relative to the recipe file unless absolute.
func (e *env) file(ref string) string {
	if ref != "" && !filepath.IsAbs(ref) && e.r.path != "" {
		return filepath.Join(filepath.Dir(e.r.path), ref)
	}
	return ref
}

// open loads a stage's model.
func (e *env) open(ref string) (*checkpoint.Model, error) {
	path, err := e.modelPath(ref)
	if err != nil {
		return nil, err
	}
	return checkpoint.Open(path, e.opt)
}

// jobEnv is the environment of a job (engine/job) run as stage s in dir: the stage's model (when
// withModel), resumed from its checkpoint when there is one, "@stage" references resolved to
// earlier stages' outputs, a trained model written to dir/model.
func (e *env) jobEnv(s Stage, dir string, withModel bool) (*job.Env, error) {
	env := &job.Env{Opt: e.opt, Out: dir, SaveTo: filepath.Join(dir, outputFile[job.ModelRef]), Resume: run.Auto,
		Progress: e.progress, Smoke: e.r.smoke, Resolve: e.resolve, Group: e.group}
	if withModel {
		m, err := e.modelPath(s.Model)
		if err != nil {
			return nil, err
		}
		env.Model = m
	}
	return env, nil
}

// runJob runs a stage whose table is a job.Job (engine/job) on its model.
func runJob(e *env, ctx context.Context, s Stage, dir string) (any, error) {
	env, err := e.jobEnv(s, dir, true)
	if err != nil {
		return nil, err
	}
	return s.Job.(job.Job).Run(ctx, env)
}
