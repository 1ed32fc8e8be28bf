package recipes

import (
	"context"
	"fmt"
	"path/filepath"

	"colash/engine/job"
	"colash/engine/testbed"
	"colash/model/tokenizer"
)

// CorpusStage writes the testbed's pretraining corpus (engine/testbed) and a tokenizer trained on
// it: OUT/<stage>/data.jsonl and OUT/<stage>/tokenizer.json.
type CorpusStage struct {
	testbed.Mix
	Seed  uint64 `toml:"seed" help:"generator seed of the problems and episodes"`
	Vocab int    `toml:"vocab" help:"tokenizer ids: 256 bytes + merges + 2 (258: characters)"`
}

var corpusKind = kind{
	name:  "corpus",
	blank: func() Job { return &CorpusStage{Mix: testbed.DefaultMix, Seed: 1, Vocab: 258} },
	run:   (*env).corpus,
	makes: []job.Ref{job.DataRef, job.TokenizerRef},
}

func (c *CorpusStage) Validate() error {
	if err := c.Mix.Validate(); err != nil {
		return err
	}
	if c.Vocab < 258 {
		return fmt.Errorf("corpus: vocab %d is below the 256 bytes and 2 special tokens", c.Vocab)
	}
	return nil
}

// Smoke writes a few documents of each family.
func (c *CorpusStage) Smoke() {
	c.CD3, c.CD4, c.Arith, c.Household = min(c.CD3, 40), min(c.CD4, 40), min(c.Arith, 40), min(c.Household, 20)
	c.HouseholdDetours, c.HouseholdInvented, c.HouseholdSpelled = min(c.HouseholdDetours, 10), min(c.HouseholdInvented, 10), min(c.HouseholdSpelled, 10)
}

func (e *env) corpus(_ context.Context, s Stage, dir string) (any, error) {
	c := s.Job.(*CorpusStage)
	docs, err := testbed.Corpus(c.Mix, c.Seed)
	if err != nil {
		return nil, err
	}
	if err := testbed.WriteJSONL(filepath.Join(dir, outputFile[job.DataRef]), docs); err != nil {
		return nil, err
	}
	tok, merges, err := tokenizer.TrainBPE(docs, c.Vocab)
	if err != nil {
		return nil, err
	}
	if err := tokenizer.WriteHFJSON(filepath.Join(dir, outputFile[job.TokenizerRef]), tok, merges); err != nil {
		return nil, err
	}
	chars := 0
	for _, d := range docs {
		chars += len(d)
	}
	return map[string]int{"documents": len(docs), "chars": chars, "vocab": tok.VocabSize()}, nil
}
