package recipes

import (
	"context"
	"fmt"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/train"
	"colash/model/tokenizer"
)

// SampleStage writes training text sampled from its model: OUT/<stage>/data.jsonl.
type SampleStage struct {
	train.SampleConfig
}

var sampleKind = kind{
	name:  "sample",
	blank: func() Job { return &SampleStage{SampleConfig: train.DefaultSample} },
	run:   (*env).sample,
	makes: []job.Ref{job.DataRef},
	reach: func(_ *env, s Stage, _ tokenizer.Tokenizer) (reach, bool) {
		n := s.Job.(*SampleStage).Len
		return reach{fixed: 1 + n, what: fmt.Sprintf("BOS + len %d", n)}, true
	},
}

// Smoke samples a few short texts.
func (s *SampleStage) Smoke() {
	s.Tokens, s.Batch, s.Len = min(s.Tokens, 4096), min(s.Batch, 16), min(s.Len, 128)
}

func (e *env) sample(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	cfg := s.Job.(*SampleStage).SampleConfig
	texts, tokens, err := train.SampleText(ctx, m.Llama, m.Tok, cfg, filepath.Join(dir, outputFile[job.DataRef]), e.progress)
	return map[string]int{"texts": texts, "tokens": tokens}, err
}
