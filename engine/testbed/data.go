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
	CD3       int `toml:"cd3" help:"countdown problems with 3 numbers from 1 to 50"`
	CD4       int `toml:"cd4" help:"countdown problems with 4 numbers from 1 to 99"`
	Arith     int `toml:"arith" help:"arithmetic problems: integer expressions of 2 to 4 operations"`
	Household int `toml:"household" help:"household expert episodes of the seen split"`
	// Expert episodes of the seen split with 1 or 2 detours each (a mistake, the environment's
	// answer, the expert's recovery): what follows a mistake, which flawless play never shows.
	HouseholdDetours int `toml:"household_detours" help:"household expert episodes with 1-2 detours (mistakes and recoveries)"`
	// Expert episodes of the household's invented split (names made up per episode, never the
	// unseen split's), a third without detours and the rest with 1 or 2: names must be copied
	// from the room, not remembered.
	HouseholdInvented int `toml:"household_invented" help:"household expert episodes on invented names, some with detours"`
	// The same on the spelled split: invented names of any spelling, as real names have.
	HouseholdSpelled int `toml:"household_spelled" help:"household expert episodes on invented names of any spelling, some with detours"`
	// ArithFormat is the arith solutions' form (tasks.ArithFormats; "" is the rewrite format the
	// shipped testbed was trained on).
	ArithFormat string `toml:"arith_format" help:"arithmetic solutions: rewrite (one line per operation, the shipped testbed's) or digits (each operation column by column first)"`
}

// DefaultMix is the corpus the shipped testbed is trained on.
var DefaultMix = Mix{CD3: 12000, CD4: 16000, Arith: 8000, Household: 6000, HouseholdDetours: 3000, HouseholdInvented: 3000}

// Corpus builds the documents of mix from seed, shuffled: each is a prompt and its worked
// solution (or a whole expert episode), the text the model is pretrained on. Training problems
// are drawn from streams seeded by seed; evaluate on other seeds (or files).
func Corpus(mix Mix, seed uint64) ([]string, error) {
	if err := mix.Validate(); err != nil {
		return nil, err
	}
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
			if p, ok := it.(tasks.ArithProblem); ok {
				p.Format = mix.ArithFormat
				it = p
			}
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
	detoured, err := detourEpisodes("seen", mix.HouseholdDetours, seed^detourStream, func(i int) int { return 1 + i%2 })
	if err != nil {
		return nil, err
	}
	invented, err := detourEpisodes("invented", mix.HouseholdInvented, seed^inventedStream, func(i int) int { return i % 3 })
	if err != nil {
		return nil, err
	}
	spelled, err := detourEpisodes("spelled", mix.HouseholdSpelled, seed^spelledStream, func(i int) int { return i % 3 })
	if err != nil {
		return nil, err
	}
	docs = append(append(append(docs, detoured...), invented...), spelled...)
	r := rand.New(rand.NewPCG(seed, 0x7e57bed))
	r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	return docs, nil
}

// Validate checks that every count is a count, that the corpus is not empty and the arith
// format.
func (m Mix) Validate() error {
	if err := tasks.CheckArithFormat(m.ArithFormat); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	counts := []int{m.CD3, m.CD4, m.Arith, m.Household, m.HouseholdDetours, m.HouseholdInvented, m.HouseholdSpelled}
	total := 0
	for _, n := range counts {
		if n < 0 {
			return fmt.Errorf("testbed: corpus counts must not be negative: cd3 %d, cd4 %d, arith %d, household %d, household_detours %d, household_invented %d, household_spelled %d",
				m.CD3, m.CD4, m.Arith, m.Household, m.HouseholdDetours, m.HouseholdInvented, m.HouseholdSpelled)
		}
		total += n
	}
	if total == 0 {
		return fmt.Errorf("testbed: an empty corpus (every count is 0)")
	}
	return nil
}

// EpisodeSeed is the seed of the i-th household episode of a stream seeded by seed: the corpus
// (seen split) and colash eval household draw their episodes so, and keep apart by seed.
func EpisodeSeed(seed uint64, i int) uint64 { return seed<<20 + uint64(i) }

// Streams of the detour, invented and spelled episodes: their seeds are
// EpisodeSeed(seed^stream, j), which sets bit 63 (detours), 62 (invented) or 61 (spelled) of the
// episode seed. EpisodeSeed(s, i) sets none of them for any s below 2^41, so these are no plain
// episode's seeds and no evaluation stream's, and apart from each other.
const (
	detourStream   = 1 << 43
	inventedStream = 1 << 42
	spelledStream  = 1 << 41
)

// detourEpisodes are n expert episodes of split from stream, the i-th asking for detours(i)
// detours. An episode that asked for detours and had room for none (the expert's own episode
// is near household.ExpertBudget; about one in five) gives way to the stream's next one; many
// in a row mean detours are broken, an error rather than an endless loop.
func detourEpisodes(split string, n int, stream uint64, detours func(i int) int) ([]string, error) {
	const maxSkips = 50
	cfg := household.Config{Split: split}
	var docs []string
	for j, skips := 0, 0; len(docs) < n; j++ {
		if skips > maxSkips {
			return nil, fmt.Errorf("testbed: %d %s household episodes in a row without room for a detour", skips, split)
		}
		s := EpisodeSeed(stream, j)
		d := detours(len(docs))
		tr, _, err := household.ExpertDetours(cfg, s, d)
		if err != nil {
			return nil, err
		}
		if d > 0 {
			plain, _, err := household.Expert(cfg, s)
			if err != nil {
				return nil, err
			}
			if tr == plain {
				skips++
				continue
			}
		}
		skips = 0
		docs = append(docs, tr)
	}
	return docs, nil
}

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
