package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"colash/engine/generate"
	"colash/engine/run"
	"colash/engine/search/qlearn"
	"colash/model/checkpoint"
	"colash/model/qnet"
	"colash/model/weights"
)

func init() {
	register("qnet", "MCTS-Q's Q-network: collect best-of-N samples (JSONL), train by double-DQN, assess on held-out samples", runQNet)
}

func runQNet(args []string) error {
	if len(args) == 0 {
		args = []string{""}
	}
	switch args[0] {
	case "collect":
		return qnetCollect(args[1:])
	case "train":
		return qnetTrain(args[1:])
	case "assess":
		return qnetAssess(args[1:])
	}
	return fmt.Errorf("usage: colash qnet collect|train|assess [flags] (-h for the flags)")
}

func qnetCollect(args []string) error {
	fs := flag.NewFlagSet("qnet collect", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	var tf taskFlags
	tf.register(fs)
	limit := fs.Int("limit", 0, "countdown, math500: problems in the task (0: the task's default)")
	var o qlearn.CollectOptions
	fs.IntVar(&o.Problems, "n", 100, "problems (from the first)")
	fs.IntVar(&o.Samples, "samples", 8, "samples per problem (best-of-N)")
	fs.IntVar(&o.MaxTokens, "max-tokens", 48, "tokens per sample")
	seed := fs.Uint64("seed", 1, "seed of code sampling")
	out := fs.String("out", "", "JSONL file to write (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	tk, err := tf.build(*limit)
	if err != nil {
		return err
	}
	m, err := loadSearchModel(&mf)
	if err != nil {
		return err
	}
	defer m.Free()
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	o.Latent = generate.PaperLatent
	o.Latent.Seed = *seed
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := qlearn.Collect(ctx, m.CoLA, m.Tok, tk, o, f, os.Stderr); err != nil {
		return err
	}
	return f.Close()
}

func qnetTrain(args []string) error {
	fs := flag.NewFlagSet("qnet train", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	c := qlearn.Paper()
	data := fs.String("data", "", "samples from colash qnet collect (required)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "TD steps")
	fs.IntVar(&c.Batch, "batch", c.Batch, "samples per step")
	fs.IntVar(&c.TargetEvery, "target-every", c.TargetEvery, "steps between target-network copies")
	fs.Float64Var(&c.Gamma, "gamma", c.Gamma, "TD discount")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate (the paper: 5e-6)")
	fs.Float64Var(&c.MinLR, "min-lr", c.MinLR, "final learning rate")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the head's initialisation and of batches")
	out := fs.String("out", "", "output folder: the Q-network, metrics.jsonl, checkpoint/ (required)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	saveEvery := fs.Int("save-every", 50, "checkpoint every N steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *data == "" {
		return fmt.Errorf("--data and --out are required")
	}
	samples, err := qlearn.ReadSamples(*data)
	if err != nil {
		return err
	}
	online, tokPath, err := qnetBody(&mf, c.Seed)
	if err != nil {
		return err
	}
	defer online.Free()
	target, _, err := qnetBody(&mf, c.Seed)
	if err != nil {
		return err
	}
	defer target.Free()
	tr, err := qlearn.NewTrainer(online, target, samples, c)
	if err != nil {
		return err
	}
	defer tr.Opt.Free()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = run.Loop(ctx, tr, run.Options{Name: "qnet", Steps: c.Steps, Out: *out, SaveEvery: *saveEvery,
		Resume: resumeMode(*resume), Progress: os.Stderr,
		Summary: func(m any) string { return fmt.Sprintf("loss %.4f", m.(map[string]any)["loss"]) }})
	if err != nil {
		return err
	}
	if err := online.Save(*out, tokPath); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "Q-network written to %s (colash search --qnet %s)\n", *out, *out)
	return nil
}

func qnetAssess(args []string) error {
	fs := flag.NewFlagSet("qnet assess", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs) // --device, --dtype, --threads
	dir := fs.String("qnet", "", "Q-network folder (required)")
	data := fs.String("data", "", "held-out samples from colash qnet collect (required)")
	gamma := fs.Float64("gamma", 0.99, "TD discount")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *data == "" {
		return fmt.Errorf("--qnet and --data are required")
	}
	samples, err := qlearn.ReadSamples(*data)
	if err != nil {
		return err
	}
	_, opt, err := mf.options()
	if err != nil {
		return err
	}
	q, err := qnet.Load(*dir, opt)
	if err != nil {
		return err
	}
	defer q.Free()
	a, err := qlearn.Assess(q, samples, *gamma)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(a)
	fmt.Println(string(b))
	return nil
}

// qnetBody is a fresh Q-network on a copy of the model's backbone.
func qnetBody(mf *modelFlags, seed uint64) (*qnet.QNet, string, error) {
	m, err := loadSearchModel(mf)
	if err != nil {
		return nil, "", err
	}
	codes := m.CoLA.Config.NumCode
	weights.Free(m.CoLA) // the modules only: the backbone becomes the Q-network's body
	q, err := qnet.New(m.Llama, codes, seed)
	if err != nil {
		m.Llama.Free()
		return nil, "", err
	}
	return q, m.TokenizerPath, nil
}

// loadQNet loads --qnet for mcts-q (needed) with the model's device and dtype.
func loadQNet(dir string, m *checkpoint.Model, needed bool) (*qnet.QNet, error) {
	if dir == "" {
		if needed {
			return nil, fmt.Errorf("mcts-q needs a Q-network: --qnet DIR (colash qnet train writes one)")
		}
		return nil, nil
	}
	q, err := qnet.Load(dir, checkpoint.Options{Device: m.Device(), DType: m.DType()})
	if err != nil {
		return nil, err
	}
	if q.Codes != m.CoLA.Config.NumCode || q.Config.Vocab != m.CoLA.Config.Vocab {
		q.Free()
		return nil, fmt.Errorf("Q-network %s has %d codes and vocabulary %d; the model %d and %d", dir, q.Codes, q.Config.Vocab, m.CoLA.Config.NumCode, m.CoLA.Config.Vocab)
	}
	return q, nil
}
