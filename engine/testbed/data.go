// Package testbed is the reasoning testbed's data: a training corpus of worked solutions to
// verifiable problems (countdown search traces, step-by-step arithmetic) and expert episodes of
// the household environment, on which a tiny Llama is pretrained from scratch so that RL and
// search over CoLA's latent codes have problems a model can partly solve.
package testbed

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"

	"colash/engine/env/household"
	"colash/engine/tasks"
)

// Mix is how many training documents of each kind a corpus holds.
type Mix struct {
	CD3       int `toml:"cd3"`       // countdown, 3 numbers from 1 to 50
	CD4       int `toml:"cd4"`       // countdown, 4 numbers from 1 to 99
	Arith     int `toml:"arith"`     // integer expressions, 2 to 4 operations
	Household int `toml:"household"` // expert episodes of the seen split
}

// DefaultMix is the corpus the shipped testbed is trained on.
var DefaultMix = Mix{CD3: 12000, CD4: 16000, Arith: 8000, Household: 6000}

// Corpus builds the documents of mix from seed, shuffled: each is a prompt and its worked
// solution (or a whole expert episode), the text the model is pretrained on. Training problems
// are drawn from streams seeded by seed; evaluate on other seeds (or files).
func Corpus(mix Mix, seed uint64) ([]string, error) {
	var docs []string
	for _, part := range []struct {
		task, level string
		n           int
	}{{tasks.TaskCountdown, "cd3", mix.CD3}, {tasks.TaskCountdown, "cd4", mix.CD4}, {tasks.TaskArith, "", mix.Arith}} {
		items, err := tasks.Load(part.task, part.level, part.n, seed)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			docs = append(docs, it.Prompt()+it.Solution())
		}
	}
	cfg := household.Config{Split: "seen"}
	for i := range mix.Household {
		tr, _, err := household.Expert(cfg, EpisodeSeed(seed, i))
		if err != nil {
			return nil, err
		}
		docs = append(docs, tr)
	}
	r := rand.New(rand.NewPCG(seed, 0x7e57bed))
	r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	return docs, nil
}

// EpisodeSeed is the seed of the i-th household episode of a stream seeded by seed: the corpus
// (seen split) and colash eval household draw their episodes so, and keep apart by seed.
func EpisodeSeed(seed uint64, i int) uint64 { return seed<<20 + uint64(i) }

// WriteJSONL writes docs as JSONL lines {"text": doc}, what colash train lm and colash tokenizer
// train read.
func WriteJSONL(path string, docs []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, d := range docs {
		if err := enc.Encode(map[string]string{"text": d}); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return f.Close()
}
