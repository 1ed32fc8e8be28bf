package recipes

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"colash/engine/eval"
	"colash/engine/rl"
	"colash/engine/search"
)

func write(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "r.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// shipped lists the shipped recipes.
func shipped(t *testing.T) []string {
	files, _ := filepath.Glob("*.toml")
	more, _ := filepath.Glob("*/*.toml")
	out := append(files, more...)
	if len(out) < 5 {
		t.Fatalf("recipes: %v", out)
	}
	return out
}

func TestShippedRecipesLoad(t *testing.T) {
	for _, f := range shipped(t) {
		t.Run(strings.TrimSuffix(f, ".toml"), func(t *testing.T) {
			if _, err := loadShipped(t, f); err != nil {
				t.Error(err)
			}
		})
	}
}

// A search table's defaults are its preset's; its references to earlier stages are checked by
// kind.
func TestSearchStages(t *testing.T) {
	head := "name = \"s\"\n[[stage]]\nname = \"c\"\nkind = \"qnet-collect\"\n[stage.qnet-collect]\nn = 2\n" +
		"[[stage]]\nname = \"q\"\nkind = \"qnet-train\"\n[stage.qnet-train]\ndata = \"@c\"\n"
	searchTable := "[[stage]]\nname = \"s\"\nkind = \"search\"\n[stage.search]\nmethods = [\"mcts-q\"]\n"
	r, err := Load(write(t, head+searchTable+"config = \"code-default\"\nqnet = \"@q\"\nb2 = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if j := r.Stages[2].Job.(*search.Job); j.B1 != 5 || j.B2 != 3 || j.T != 32 || j.Preset != "code-default" {
		t.Fatalf("code-default with b2 = 3: b1 %d b2 %d T %d", j.B1, j.B2, j.T)
	}
	for body, want := range map[string]string{
		head + searchTable + "qnet = \"@c\"\n":                     `stage "c" is a qnet-collect stage`,
		head + searchTable + "qnet = \"@q\"\nconfig = \"fast\"\n":  `unknown configuration "fast"`,
		head + searchTable + "qnet = \"@q\"\ntask = \"math500\"\n": "oracle",
		head + searchTable + "qnet = \"@q\"\nbeam = 2\n":           "beam",
		head + searchTable:                    "Q-network",
		head + rmStage + "samples = \"@q\"\n": `stage "q" is a qnet-train stage`,
		head + rmStage + "samples = \"@c\"\ndomain = \"x\"\ndata = \"d.json\"\n": "not both",
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

const (
	rlDSP   = "[[stage]]\nname = \"r\"\nkind = \"rl\"\n[stage.rl]\ntask = \"dsp\"\ndomain = \"academy\"\ndata = \"d.json\"\n"
	rmStage = "[[stage]]\nname = \"rm\"\nkind = \"rm\"\n[stage.rm]\n"
)

const evalStage = "[[stage]]\nname = \"e\"\nkind = \"eval\"\n[stage.eval]\n"

func TestBadRecipesAreClearErrors(t *testing.T) {
	for body, want := range map[string]string{
		"name = \"x\"\n" + evalStage + "n = 3\nsampels = 2\n": "r.toml:7: unknown key stage.eval.sampels (did you mean samples?)",
		"name = \"x\"\nmodle = \"y\"\n" + evalStage:           "r.toml:2: unknown key modle (did you mean model?)",
		"name = \"x\"\n": "no [[stage]]",
		"name = \"x\"\n[[stage]]\nname = \"a\"\nkind = \"fly\"\n":              `kind "fly" is not one of sample, train, rl, report, eval`,
		"name = \"x\"\n[[stage]]\nname = \"a\"\nkind = \"eval\"\n":             "needs a [stage.eval] table",
		"name = \"x\"\n" + evalStage + "set = \"aime\"\n":                      `eval set "aime"`,
		"name = \"x\"\n" + evalStage + "grading = \"loose\"\n":                 `unknown grading mode "loose"`,
		"name = \"x\"\n" + evalStage + "set = \"gsm8k\"\n":                     "needs data",
		"name = \"x\"\n" + evalStage + "samples = 4\nlatent_temperature = 0\n": "identical completions",
		"name = \"x\"\n" + evalStage + "n = \"ten\"\n":                         "r.toml",
		evalStage: "name is required",
		"name = \"x\"\n" + evalStage + "\n" + evalStage:                                                                              `"e": the name is used twice`,
		"name = \"x\"\n[[stage]]\nname = \"t\"\nkind = \"train\"\n[stage.train]\nstage = \"bc\"\ndata = \"@d\"\n":                    `no earlier stage is named "d"`,
		"name = \"x\"\n" + evalStage + "\n[[stage]]\nname = \"t\"\nkind = \"train\"\n[stage.train]\nstage = \"bc\"\ndata = \"@e\"\n": `stage "e" is a eval stage, which makes no data`,
		"name = \"x\"\n[[stage]]\nname = \"t\"\nkind = \"train\"\n[stage.train]\nstage = \"stage2\"\ndata = \"f\"\n":                 `unknown stage "stage2"`,
		"name = \"x\"\n[[stage]]\nname = \"s\"\nkind = \"sample\"\n[stage.sample]\ntokens = 10\n[stage.eval]\n":                      "a sample stage has a [stage.eval] table",
		"name = \"x\"\n[model]\npath = \"no/such/model\"\n" + evalStage:                                                              "model: stat no/such/model",
		"name = \"x\"\n[[stage]]\nname = \"t\"\nkind = \"train\"\n[stage.train]\nstage = \"bc\"\ndata = \"missing.jsonl\"\n":         "data: stat",
		"name = \"x\"\n[[stage]]\nname = \"r\"\nkind = \"rl\"\n[stage.rl]\ntask = \"math500\"\n":                                     "test set",
		"name = \"x\"\n[[stage]]\nname = \"r\"\nkind = \"rl\"\n[stage.rl]\nalgo = \"dpo\"\n":                                         `algo "dpo"`,
		"name = \"x\"\n[[stage]]\nname = \"r\"\nkind = \"rl\"\n[stage.rl]\nstesp = 3\n":                                              "r.toml:6: unknown key stage.rl.stesp (did you mean steps?)",
		"name = \"x\"\n" + evalStage + "\n[[stage]]\nname = \"r\"\nkind = \"rl\"\nmodel = \"@e\"\n[stage.rl]\n":                      `stage "e" is a eval stage, which makes no model`,
		"name = \"x\"\n" + evalStage + "\n" + rlDSP + "reward_model = \"@e\"\n":                                                      `stage "e" is a eval stage, which makes no reward_model`,
		"name = \"x\"\n" + rlDSP + "reward_model = \"@rm\"\n":                                                                        `no earlier stage is named "rm"`,
		"name = \"x\"\n" + rmStage + "domain = \"normal\"\ndata = \"d.json\"\n":                                                      `domain "normal"`,
		"name = \"x\"\n" + rmStage + "domain = \"academy\"\ndata = \"d.json\"\n":                                                     "data: stat",
		"name = \"x\"\n" + rmStage + "max_lne = 3\n":                                                                                 "unknown key stage.rm.max_lne (did you mean max_len?)",
	} {
		_, err := Load(write(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
}

func TestEvalRecipeRunsAndResumes(t *testing.T) {
	out := t.TempDir()
	p := write(t, "name = \"tiny\"\nout = \""+out+"\"\n[model]\ndevice = \"cpu\"\n"+evalStage+"n = 2\nmax_tokens = 8\n")
	r, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Stages[0].Metrics.(*eval.Report); rep.Overall.Problems != 2 || rep.Generated != 2 {
		t.Fatalf("first run: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err != nil {
		t.Fatal(err)
	}
	// A completed stage is not run again.
	res, err = Run(context.Background(), r, nil)
	if err != nil || res.Stages[0].Seconds != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	// A stage that did not complete resumes its problems.
	os.Remove(filepath.Join(out, "e", "done.json"))
	res, err = Run(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Stages[0].Metrics.(*eval.Report); rep.Reused != 2 || rep.Generated != 0 {
		t.Errorf("third run did not resume: %+v", rep)
	}
}

// A pipeline (sample, stage 1, BC, report) stopped in the middle of stage 1 and run again
// reaches the results of an uninterrupted run.
func TestPipelineResumesToTheSameResults(t *testing.T) {
	run := func(out string, stopAfter int) (*Results, error) {
		r, err := Load(write(t, pipeline(out)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if stopAfter > 0 {
			go func() {
				for {
					b, _ := os.ReadFile(filepath.Join(out, "stage1", "metrics.jsonl"))
					if strings.Count(string(b), "\n") >= stopAfter {
						cancel()
						return
					}
					if ctx.Err() != nil {
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		return Run(ctx, r, nil)
	}
	whole, err := run(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := run(out, 4); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("the first run must stop in stage 1: %v", err)
	}
	resumed, err := run(out, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range whole.Stages {
		a, _ := json.Marshal(s.Metrics)
		b, _ := json.Marshal(resumed.Stages[i].Metrics)
		if string(a) != string(b) {
			t.Errorf("stage %s: uninterrupted %s\nresumed %s", s.Stage, a, b)
		}
	}
}

func TestOverridesAndSmoke(t *testing.T) {
	p := write(t, "name = \"x\"\n[model]\npath = \"cola\"\n"+evalStage+"n = 100\n[[stage]]\nname = \"r\"\nkind = \"rl\"\n[stage.rl]\nsteps = 50\n")
	r, err := LoadWith(p, []string{"e.n=7", "e.set=math500", "r.lr=2e-5", "r.words=[\"cat\", \"dog\"]", "model.threads=3", "name=y"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "y" || r.Model.Threads != 3 || r.Stages[0].Job.(*Eval).N != 7 || r.Stages[1].Job.(*rl.Job).LR != 2e-5 ||
		strings.Join(r.Stages[1].Job.(*rl.Job).Words, ",") != "cat,dog" || r.Stages[1].Job.(*rl.Job).Steps != 50 || r.Model.Path != "cola" {
		t.Errorf("overrides not applied: %+v %+v %+v", r, r.Stages[0].Job.(*Eval), r.Stages[1].Job.(*rl.Job))
	}
	for set, want := range map[string]string{"q.n=3": `no stage is named "q" (stages: e, r)`, "e.nn=3": "unknown key stage.eval.nn", "e": "want key=value", "e.n=x": "r.toml"} {
		if _, err := LoadWith(p, []string{set}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--set %s: %v, want %q", set, err, want)
		}
	}
	r.Smoke()
	if r.Stages[0].Job.(*Eval).N != 2 || r.Stages[1].Job.(*rl.Job).Steps != 2 || r.Stages[1].Job.(*rl.Job).MaxTokens > 16 {
		t.Errorf("smoke: %+v %+v", r.Stages[0].Job.(*Eval), r.Stages[1].Job.(*rl.Job))
	}
}

// pipeline is a four-stage recipe (sample, stage 1, BC, report) of a few seconds.
func pipeline(out string) string {
	return `name = "tiny-pipeline"
out = "` + out + `"
[model]
path = "stories260K"
device = "cpu"
threads = 2
[[stage]]
name = "data"
kind = "sample"
[stage.sample]
tokens = 6000
batch = 16
len = 128
seed = 3
[[stage]]
name = "held"
kind = "sample"
[stage.sample]
tokens = 3000
batch = 16
len = 128
seed = 4
[[stage]]
name = "stage1"
kind = "train"
[stage.train]
stage = "stage1"
data = "@data"
seq = 64
steps = 8
batch = 4
lr = 3e-3
min_lr = 3e-4
warmup = 2
save_every = 3
codes = 16
action_layers = 1
dyna_layers = 1
policy_layers = 1
[[stage]]
name = "bc"
kind = "train"
model = "@stage1"
[stage.train]
stage = "bc"
data = "@data"
seq = 64
steps = 4
batch = 4
lr = 3e-3
[[stage]]
name = "report"
kind = "report"
model = "@bc"
[stage.report]
data = "@held"
reference = "stories260K"
fluency_samples = 2
fluency_tokens = 8
`
}
