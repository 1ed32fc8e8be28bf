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
	register("search", "tree search over latent codes (MCTS-Q, MCTS) against greedy and best-of-N at equal forward tokens", runSearch)
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

func (f *searchFlags) build() (search.Config, error) {
	c, err := search.Named(f.config)
	if err != nil {
		return c, err
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
	return c, c.Validate()
}

func runSearch(args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	var sf searchFlags
	sf.register(fs)
	var tf taskFlags
	tf.register(fs)
	methods := fs.String("method", "mcts-q", "comma-separated: "+strings.Join(search.Methods, ", "))
	budget := fs.Int64("budget", 0, "forward tokens per problem (0: T rounds / N samples bound it)")
	n := fs.Int("n", 100, "problems")
	samples := fs.Int("samples", 8, "best-of-n without a budget: samples")
	qdir := fs.String("qnet", "", "Q-network folder (colash qnet train); mcts-q needs it")
	seed := fs.Uint64("seed", 0, "seed of sampling")
	success := fs.Float64("success", 1, "an answer succeeds when its reward reaches this")
	noReuse := fs.Bool("no-reuse", false, "recompute every prefix instead of forking caches (to measure reuse)")
	oracle := fs.Bool("oracle", false, "math500: let the grader against the gold answer score rollouts (labelled oracle)")
	out := fs.String("out", "", "results.json (an object for one method, a list for several)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := sf.build()
	if err != nil {
		return err
	}
	if tf.task == "math500" && !*oracle {
		return fmt.Errorf("math500 scores answers with the grader against the gold answer: that is an oracle; pass --oracle to run it anyway (figures are labelled oracle)")
	}
	tk, err := tf.build(max(*n, 0))
	if err != nil {
		return err
	}
	ms := strings.Split(*methods, ",")
	for _, m := range ms {
		if !contains(search.Methods, m) {
			return fmt.Errorf("unknown method %q (have %s)", m, strings.Join(search.Methods, ", "))
		}
	}
	m, err := loadSearchModel(&mf)
	if err != nil {
		return err
	}
	defer m.Free()
	q, err := loadQNet(*qdir, m, contains(ms, "mcts-q"))
	if err != nil {
		return err
	}
	if q != nil {
		defer q.Free()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var all []*search.Results
	for _, meth := range ms {
		cm := &search.CoLA{M: m.CoLA, TopK: cfg.TopK, Reuse: !*noReuse, Stops: m.Tok.StopTokens()}
		if meth == "mcts-q" {
			cm.Q = q
		}
		o := search.Options{Method: meth, Config: cfg, Budget: *budget, N: *samples, Seed: *seed}
		res, err := search.Evaluate(ctx, cm, m.Tok, tk, o, *n, *success, os.Stderr)
		if err != nil {
			return err
		}
		res.Oracle = *oracle
		all = append(all, res)
	}
	printResults(all)
	if *out == "" {
		return nil
	}
	var v any = all
	if len(all) == 1 {
		v = all[0]
	}
	return checkpoint.WriteJSON(*out, v)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func printResults(rs []*search.Results) {
	fmt.Printf("%-10s %5s %22s %8s %12s %9s\n", "method", "n", "success [95% CI]", "reward", "fwd tok/prob", "nodes/s")
	for _, r := range rs {
		name := r.Method
		if r.Oracle {
			name += " (oracle)"
		}
		fmt.Printf("%-10s %5d %6.3f [%.3f, %.3f] %8.3f %12.0f %9.1f\n", name, r.N, r.SuccessRate, r.CI95[0], r.CI95[1], r.MeanReward, r.ForwardPerProblem, r.NodesPerSecond)
	}
}
