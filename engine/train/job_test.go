package train

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"colash/engine/job"
	"colash/engine/run"
	"colash/model/checkpoint"
)

// A train job resolves its references through the environment, stops where StopAt says and
// writes the model of that update, continues from its checkpoint, writes the model to ModelOut and returns the
// last update's metrics; a stage 1 then wraps that Llama in fresh CoLA modules of the job's sizes.
func TestJobRunsPretrainingThenStage1(t *testing.T) {
	s := pretrainFiles(t)
	refs := map[string]string{"@corpus": s.Data, "@tok": s.Tokenizer}
	var asked []job.Ref
	resolve := func(ref string, what job.Ref) (string, error) {
		asked = append(asked, what)
		if p, ok := refs[ref]; ok {
			return p, nil
		}
		return ref, nil
	}
	lm := NewJob(StageLM)
	lm.Data, lm.Tokenizer, lm.Shape, lm.Seq = "@corpus", "@tok", s.Shape, 32
	lm.Steps, lm.Batch, lm.Warmup, lm.LR = 6, 4, 1, 1e-2
	dir := t.TempDir()
	env := &job.Env{Out: dir, SaveTo: filepath.Join(dir, "model"), Resume: run.Fresh, StopAt: 3, Resolve: resolve}
	if res, err := lm.Run(context.Background(), env); err != nil || res != nil {
		t.Fatalf("stopped run: %v, %v", res, err)
	}
	stopped, err := os.ReadFile(filepath.Join(dir, "model", "model.safetensors"))
	if err != nil {
		t.Fatalf("a run stopped at update 3 of 6 wrote no model: %v", err)
	}
	if !slices.Contains(asked, job.DataRef) || !slices.Contains(asked, job.TokenizerRef) {
		t.Fatalf("references resolved as %v: want data and tokenizer", asked)
	}
	env.Resume, env.StopAt = run.Required, 0
	res, err := lm.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := res.(map[string]any); m == nil || m["step"] != float64(6) {
		t.Fatalf("result %v: want the metrics of update 6", res)
	}
	if final, err := os.ReadFile(filepath.Join(dir, "model", "model.safetensors")); err != nil || bytes.Equal(final, stopped) {
		t.Fatalf("the finished run left the model of update 3 (%v)", err)
	}
	s1 := NewJob(StageIDM)
	s1.Data, s1.Seq, s1.Steps, s1.Batch, s1.Codes, s1.ActionLayers, s1.PolicyLayers = "@corpus", 32, 2, 2, 8, 1, 1
	out1 := t.TempDir()
	env1 := &job.Env{Model: filepath.Join(dir, "model"), Out: out1, Resume: run.Fresh, Resolve: resolve}
	if _, err := s1.Run(context.Background(), env1); err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.OpenCoLA(out1, checkpoint.Options{}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got := m.CoLA.Config.NumCode; got != 8 || len(m.CoLA.ActionLayers) != 1 {
		t.Fatalf("stage 1 wrote %d codes and %d IDM blocks, want 8 and 1", got, len(m.CoLA.ActionLayers))
	}
	bc := NewJob(StageBC)
	bc.Data = s.Data
	if _, err := bc.Run(context.Background(), &job.Env{Model: filepath.Join(dir, "model"), Out: t.TempDir()}); err == nil ||
		!strings.Contains(err.Error(), "run stage1 first") {
		t.Fatalf("bc on a plain Llama: %v", err)
	}
}
