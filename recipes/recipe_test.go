package recipes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/engine/eval"
)

func write(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "r.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShippedRecipesLoad(t *testing.T) {
	files, _ := filepath.Glob("*.toml")
	if len(files) == 0 {
		t.Fatal("no recipes")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestBadRecipesAreClearErrors(t *testing.T) {
	for body, want := range map[string]string{
		"name = \"x\"\nkind = \"eval\"\n[eval]\nn = 3\nsampels = 2\n":                  "unknown keys eval.sampels",
		"name = \"x\"\nkind = \"eval\"\nmodle = \"y\"\n[eval]\n":                       "unknown keys modle",
		"name = \"x\"\n[eval]\n":                                                       "kind is required",
		"name = \"x\"\nkind = \"train\"\n":                                             `kind "train" is not one of eval`,
		"name = \"x\"\nkind = \"eval\"\n":                                              "needs an [eval] table",
		"name = \"x\"\nkind = \"eval\"\n[eval]\nset = \"aime\"\n":                      `eval set "aime"`,
		"name = \"x\"\nkind = \"eval\"\n[eval]\nset = \"gsm8k\"\n":                     "needs data",
		"name = \"x\"\nkind = \"eval\"\n[eval]\nsamples = 4\nlatent_temperature = 0\n": "identical completions",
		"name = \"x\"\nkind = \"eval\"\n[eval]\nn = \"ten\"\n":                         "r.toml",
		"kind = \"eval\"\n[eval]\n":                                                    "name is required",
	} {
		_, err := Load(write(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
}

func TestEvalRecipeRunsAndResumes(t *testing.T) {
	out := t.TempDir()
	p := write(t, "name = \"tiny\"\nkind = \"eval\"\nout = \""+out+"\"\n[model]\ndevice = \"cpu\"\n[eval]\nn = 2\nmax_tokens = 8\n")
	r, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Metrics.(*eval.Report); rep.Overall.Problems != 2 || rep.Generated != 2 {
		t.Fatalf("first run: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Metrics.(*eval.Report); rep.Reused != 2 || rep.Generated != 0 {
		t.Errorf("second run did not resume: %+v", rep)
	}
}
