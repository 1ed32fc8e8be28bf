package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"colash/engine/rl"
	"colash/engine/search"
	"colash/model/checkpoint"
)

func init() {
	register("search", "tree search over latent codes (MCTS-Q, MCTS) against greedy and best-of-N at equal forward tokens", runSearch).
		withUsage("colash search --model cola --task T --method greedy,best-of-n,mcts,mcts-q [--budget TOKENS] [--qnet DIR] [--reward-model DIR | --oracle] [--out results.json] [flags]").
		withDoc("Runs each method on the task's first --n problems at one forward-token budget and prints\n"+
			"success rates with 95% intervals (docs/search.md). mcts-q needs a Q-network (colash qnet train);\n"+
			"math tasks need --reward-model or --oracle.").
		withExample("colash search --model cola --task story-target --method greedy,best-of-n,mcts --budget 300 --n 20",
			"colash search --model cola --task story-target --method mcts-q --qnet target-q --budget 300 --n 20 --out q.json")
}

// searchFlags are the search constants as flags over a named configuration.
type searchFlags struct {
	config, variant                                             string
	b1, b2, t, d, sim, extend, restarts, complete, topk, answer int
	cpuct, gamma, unc, temp                                     float64
}

func (f *searchFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "math500", "search constants: math500 (the paper's call) or code-default")
	fs.StringVar(&f.variant, "variant", "", "py (committed source, default) or pyc (older compiled variant)")
	fs.IntVar(&f.b1, "b1", 0, "children of the root (0: the configuration's)")
	fs.IntVar(&f.b2, "b2", 0, "children of other nodes")
	fs.IntVar(&f.t, "rounds", 0, "selection rounds T")
	fs.IntVar(&f.d, "depth", 0, "terminal depth D in tokens")
	fs.IntVar(&f.answer, "answer-tokens", 0, "cap on an answer's length in tokens, for every method (0: none, as released)")
	fs.IntVar(&f.sim, "sim-tokens", 0, "rollout (and greedy, best-of-n answer) length in tokens (0: the configuration's 1024)")
	fs.IntVar(&f.extend, "extend", 0, "tokens a confident MCTS-Q child extends by (0: 64)")
	fs.IntVar(&f.restarts, "restarts", -1, "driver restarts from the best partial text (-1: 4)")
	fs.IntVar(&f.complete, "complete", -1, "driver completion tokens (-1: the configuration's 1024)")
	fs.IntVar(&f.topk, "top-k", 40, "code sampling top-k")
	fs.Float64Var(&f.cpuct, "cpuct", 0, "PUCT weight (0: the configuration's 0.7)")
	fs.Float64Var(&f.gamma, "gamma", 0, "backup discount (0: 0.99)")
	fs.Float64Var(&f.unc, "uncertainty", 0, "TD-uncertainty threshold (0: 0.01)")
	fs.Float64Var(&f.temp, "temperature", 0, "code temperature of extensions and rollouts (0: 0.5)")
}

// build is the job's search constants: the named configuration with the flags set over it.
func (f *searchFlags) build(j *search.Job) error {
	c, err := search.Named(f.config)
	if err != nil {
		return err
	}
	set := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&c.B1, f.b1)
	set(&c.B2, f.b2)
	set(&c.T, f.t)
	set(&c.D, f.d)
	set(&c.SimTokens, f.sim)
	set(&c.ExtendMax, f.extend)
	set(&c.TopK, f.topk)
	set(&c.AnswerTokens, f.answer)
	if f.restarts >= 0 {
		c.Restarts = f.restarts
	}
	if f.complete >= 0 {
		c.CompleteTokens = f.complete
	}
	for _, p := range [][2]*float64{{&c.CPUCT, &f.cpuct}, {&c.Gamma, &f.gamma}, {&c.Uncertainty, &f.unc}, {&c.Temperature, &f.temp}} {
		if *p[1] > 0 {
			*p[0] = *p[1]
		}
	}
	if f.variant != "" {
		c.Variant = f.variant
	}
	j.Config, j.Preset = c, f.config
	return c.Validate()
}

// jobFlags are a search job's flags besides the constants: `colash search` and
// `colash eval math500 --search` share them.
type jobFlags struct {
	sf      searchFlags
	budget  int64
	samples int
	qnet    string
	rm      string
	seed    uint64
	oracle  bool
	noReuse bool
}

func (f *jobFlags) register(fs *flag.FlagSet) {
	f.sf.register(fs)
	fs.Int64Var(&f.budget, "budget", 0, "forward tokens per problem (0: T rounds / N samples bound it)")
	fs.IntVar(&f.samples, "samples", 8, "best-of-n without a budget: samples")
	fs.StringVar(&f.qnet, "qnet", "", "Q-network folder (colash qnet train); mcts-q needs it")
	fs.StringVar(&f.rm, "reward-model", "", "reward model folder whose score guides search (math: the non-oracle scorer)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of sampling")
	fs.BoolVar(&f.oracle, "oracle", false, "math: let the grader against the gold answer score rollouts (labelled oracle)")
	fs.BoolVar(&f.noReuse, "no-reuse", false, "recompute every prefix instead of forking caches (to measure reuse)")
}

func (f *jobFlags) build(j *search.Job) error {
	if err := f.sf.build(j); err != nil {
		return err
	}
	j.Budget, j.Samples, j.QNet, j.RewardModel = f.budget, f.samples, f.qnet, f.rm
	j.Seed, j.Oracle, j.NoReuse = f.seed, f.oracle, f.noReuse
	return nil
}

// searchArgs are the flags of colash search besides the model's and the job's.
type searchArgs struct {
	j                   search.Job
	words, methods, out string
}

// searchFlagSet is colash search's flag set (also the flags of colash eval math500 --search).
func searchFlagSet(mf *modelFlags, jf *jobFlags, a *searchArgs) *flag.FlagSet {
	fs := newFlags("search")
	mf.register(fs)
	jf.register(fs)
	a.j = search.DefaultJob()
	fs.StringVar(&a.j.Task, "task", a.j.Task, "task: "+search.TaskNames())
	fs.StringVar(&a.words, "words", "", "story tasks: comma-separated target words")
	fs.StringVar(&a.methods, "method", "mcts-q", "comma-separated: "+strings.Join(search.Methods, ", "))
	fs.IntVar(&a.j.N, "n", a.j.N, "problems")
	fs.Float64Var(&a.j.Success, "success", a.j.Success, "an answer succeeds when its task reward reaches this")
	fs.StringVar(&a.out, "out", "", "results.json (an object for one method, a list for several)")
	return fs
}

func runSearch(args []string) error {
	var mf modelFlags
	var jf jobFlags
	var a searchArgs
	fs := searchFlagSet(&mf, &jf, &a)
	if err := fs.Parse(args); err != nil {
		return err
	}
	j := a.j
	if err := jf.build(&j); err != nil {
		return err
	}
	j.Methods = strings.Split(a.methods, ",")
	if a.words != "" {
		j.Words = strings.Split(a.words, ",")
	}
	if err := j.Validate(); err != nil {
		return err
	}
	return searchAndReport(&mf, j, a.out)
}

// searchAndReport loads the model, runs the job, prints its table and writes results.json.
func searchAndReport(mf *modelFlags, j search.Job, out string) error {
	m, err := loadSearchModel(mf)
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	all, err := search.RunJob(ctx, m, j, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Print(search.Table(all))
	if out == "" {
		return nil
	}
	var v any = all
	if len(all) == 1 {
		v = all[0]
	}
	return checkpoint.WriteJSON(out, v)
}

// taskFlags choose the task of search and qnet collect.
type taskFlags struct{ task, words string }

func (t *taskFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.task, "task", "story-target", "task: "+search.TaskNames())
	fs.StringVar(&t.words, "words", "", "story tasks: comma-separated target words")
}

func (t *taskFlags) build(limit int) (rl.Task, error) {
	var ws []string
	if t.words != "" {
		ws = strings.Split(t.words, ",")
	}
	return search.NewTask(t.task, rl.TaskOptions{Words: ws, Limit: limit})
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
