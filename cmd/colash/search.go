package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"colash/engine/job"
	"colash/engine/search"
	"colash/model/checkpoint"
)

func init() {
	register("search", "tree search over latent codes (MCTS-Q, MCTS) against greedy and best-of-N at equal forward tokens", runSearch).
		withUsage("colash search --model cola --task T --methods greedy,best-of-n,mcts,mcts-q [--budget TOKENS] [--qnet DIR] [--reward-model DIR | --oracle] [--out results.json] [flags]").
		withDoc("Runs each method on the task's first --n problems at one forward-token budget and prints\n"+
			"success rates with 95% intervals (docs/search.md). mcts-q needs a Q-network (colash qnet train);\n"+
			"math tasks need --reward-model or --oracle. story-target and story-pair are scored by a word the\n"+
			"prompt does not contain: their figures are labelled oracle, as math's with --oracle.").
		withExample("colash search --model cola --task story-target --methods greedy,best-of-n,mcts --budget 300 --n 20",
			"colash search --model cola --task story-target --methods mcts-q --qnet target-q --budget 300 --n 20 --out q.json")
}

// searchArgs are colash search's settings: the job and where its results go.
type searchArgs struct {
	j   search.Job
	out string
}

// searchFlagSet is colash search's flag set (also the flags of colash eval math500 --search):
// every setting of search.Job under its recipe key, the constants' defaults those of the preset
// that --config in args names (math500 without it), as a recipe's search table reads them.
func searchFlagSet(mf *modelFlags, a *searchArgs, args []string) (*flag.FlagSet, error) {
	preset := "math500"
	for i, arg := range args {
		if v, ok := strings.CutPrefix(arg, "--config="); ok {
			preset = v
		} else if arg == "--config" && i+1 < len(args) {
			preset = args[i+1]
		}
	}
	j, err := search.JobWithPreset(preset)
	a.j = j
	fs := newFlags("search")
	mf.register(fs)
	job.Flags(fs, &a.j)
	fs.StringVar(&a.out, "out", "", "results.json (an object for one method, a list for several)")
	return fs, err
}

func runSearch(args []string) error {
	_, err := searchCommand(args)
	return err
}

// searchCommand parses colash search's arguments, runs the job and returns its results.
func searchCommand(args []string) ([]*search.Results, error) {
	var mf modelFlags
	var a searchArgs
	fs, err := searchFlagSet(&mf, &a, args)
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := a.j.Validate(); err != nil {
		return nil, err
	}
	return searchAndReport(&mf, a.j, a.out)
}

// searchAndReport loads the model, runs the job, prints its table, writes results.json and
// returns the results.
func searchAndReport(mf *modelFlags, j search.Job, out string) ([]*search.Results, error) {
	m, err := loadSearchModel(mf)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	ctx, stop := stopContext()
	defer stop()
	all, err := search.RunJob(ctx, m, j, os.Stderr)
	if err != nil {
		return nil, err
	}
	fmt.Print(search.Table(all))
	if out == "" {
		return all, nil
	}
	var v any = all
	if len(all) == 1 {
		v = all[0]
	}
	return all, checkpoint.WriteJSON(out, v)
}

// loadSearchModel loads --model, which must be a CoLA.
func loadSearchModel(mf *modelFlags) (*checkpoint.Model, error) {
	m, err := mf.load()
	if err != nil {
		return nil, err
	}
	if m.CoLA == nil {
		m.Free()
		return nil, fmt.Errorf("%s is not a CoLA model: search and its Q-network work over latent codes", m.Path)
	}
	return m, nil
}
