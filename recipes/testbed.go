package recipes

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"colash/engine/taskeval"
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

func defaultCorpusStage() *CorpusStage {
	return &CorpusStage{Mix: testbed.DefaultMix, Seed: 1, Vocab: 258}
}

func (c *CorpusStage) validate() error {
	if err := c.Mix.Validate(); err != nil {
		return err
	}
	if c.Vocab < 258 {
		return fmt.Errorf("corpus: vocab %d is below the 256 bytes and 2 special tokens", c.Vocab)
	}
	return nil
}

func (e *env) corpus(_ context.Context, s Stage, dir string) (any, error) {
	c := *s.Corpus
	docs, err := testbed.Corpus(c.Mix, c.Seed)
	if err != nil {
		return nil, err
	}
	if err := testbed.WriteJSONL(filepath.Join(dir, "data.jsonl"), docs); err != nil {
		return nil, err
	}
	tok, merges, err := tokenizer.TrainBPE(docs, c.Vocab)
	if err != nil {
		return nil, err
	}
	if err := tokenizer.WriteHFJSON(filepath.Join(dir, "tokenizer.json"), tok, merges); err != nil {
		return nil, err
	}
	chars := 0
	for _, d := range docs {
		chars += len(d)
	}
	return map[string]int{"documents": len(docs), "chars": chars, "vocab": tok.VocabSize()}, nil
}

// tokenizerPath resolves a tokenizer reference: an earlier corpus stage's, or a file.
func (e *env) tokenizerPath(ref string) string {
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		return filepath.Join(e.dir(name), "tokenizer.json")
	}
	return e.dataPath(ref)
}

// TaskEvalStage evaluates the stage's model on a testbed task (colash eval countdown|arith|
// household): OUT/<stage>/answers.jsonl and the summary as the stage's metrics.
type TaskEvalStage struct {
	taskeval.Job
}

func (t *TaskEvalStage) validate() error { return t.Job.Validate() }

func (e *env) taskEval(ctx context.Context, s Stage, dir string) (any, error) {
	m, err := e.open(s.Model)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	j := s.TaskEval.Job
	if j.Data != "" {
		j.Data = e.dataPath(j.Data)
	}
	res, sum, err := j.Run(ctx, m, e.progress)
	if err != nil {
		return nil, err
	}
	if err := taskeval.WriteResults(filepath.Join(dir, "answers.jsonl"), res); err != nil {
		return nil, err
	}
	if e.progress != nil {
		fmt.Fprintf(e.progress, "%s %s: %s\n", j.Task, j.Level+j.Split, sum)
	}
	return sum, nil
}
