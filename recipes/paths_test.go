package recipes

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"colash/engine/train"
)

// pathsRecipe is a recipe whose stages of every kind that reads files name them relative to the
// recipe file, in dir.
func pathsRecipe(t *testing.T, dir string) string {
	t.Helper()
	files := map[string]string{
		"text.jsonl": `{"text": "Once upon a time there was a dog."}` + "\n",
		"math.jsonl": `{"problem": "What is $1+1$?", "solution": "$\\boxed{2}$", "answer": "2", "subject": "Algebra", "level": 1, "unique_id": "p1"}` + "\n",
		"dsp.json":   "[]\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "reference"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "r.toml")
	body := `name = "paths"
[model]
path = "stories260K"
threads = 2
[[stage]]
name = "e"
kind = "eval"
[stage.eval]
set = "math"
data = "math.jsonl"
n = 1
max_tokens = 2
[[stage]]
name = "t"
kind = "train"
[stage.train]
stage = "stage1"
data = "text.jsonl"
[[stage]]
name = "rep"
kind = "report"
model = "@t"
[stage.report]
data = "text.jsonl"
reference = "reference"
[[stage]]
name = "rm"
kind = "rm"
model = "stories260K"
[stage.rm]
data = "dsp.json"
domain = "academy"
`
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The config.toml of a run loads from any working folder, its file references absolute for every
// kind of stage (train, report and eval's were left relative to the recipe file's folder).
func TestConfigLoadsFromAnotherFolder(t *testing.T) {
	dir := t.TempDir()
	r, err := Load(pathsRecipe(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r.SetOut(out)
	if err := writeConfig(r, out); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	again, err := Load(filepath.Join(out, "config.toml"))
	if err != nil {
		t.Fatalf("config.toml from another folder: %v", err)
	}
	for _, c := range []struct{ got, want string }{
		{again.Stages[0].Job.(*Eval).Data, filepath.Join(dir, "math.jsonl")},
		{again.Stages[1].Job.(*train.Job).Data, filepath.Join(dir, "text.jsonl")},
		{again.Stages[2].Job.(*ReportStage).Data, filepath.Join(dir, "text.jsonl")},
		{again.Stages[2].Job.(*ReportStage).Reference, filepath.Join(dir, "reference")},
		{again.Stages[2].Model, "@t"},
		{again.Stages[3].Job.(*RMJob).Data, filepath.Join(dir, "dsp.json")},
		{again.Stages[3].Model, "stories260K"},
		{again.Model.Path, "stories260K"},
		{again.OutDir(), out},
	} {
		if c.got != c.want {
			t.Errorf("config.toml has %q, want %q", c.got, c.want)
		}
	}
}

// A stage reads its files relative to the recipe file whatever the working folder: an eval
// stage's data was read from the working folder.
func TestStagesReadFilesBesideTheRecipe(t *testing.T) {
	dir := t.TempDir()
	r, err := LoadWith(pathsRecipe(t, dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stages = r.Stages[:1] // the eval
	r.SetOut(t.TempDir())
	t.Chdir(t.TempDir())
	res, err := Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stages) != 1 || res.Stages[0].Kind != "eval" {
		t.Fatalf("results %+v", res)
	}
}
