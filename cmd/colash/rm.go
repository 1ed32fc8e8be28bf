package main

import (
	"fmt"
	"os"
	"strings"

	"colash/engine/rm"
)

func init() {
	register("rm", "reward models: train one on a DSP domain's preferences (Bradley-Terry)", runRM).
		asGroup().
		withExample("colash rm train --model stories260K --data dsp.json --domain academy --out rm-academy")
	register("rm train", "a reward model of one DSP domain's preferences: a backbone with a scalar head, Bradley-Terry loss", nil).
		withUsage("colash rm train --model M --data dsp.json --domain D --out DIR [--held-out 0.1] [--limit N] [--resume] [flags]").
		withDoc("The DSP file (CC BY-NC 4.0) is not shipped; docs/rm.md says where to get it. Pairs: the domain's\n" +
			"answer chosen over each other answer of a query; --held-out queries measure accuracy. The\n" +
			"reward model goes to OUT/model.").
		withExample("colash rm train --model stories260K --data dsp.json --domain academy --max-len 128 --batch 32 --lr 1e-3 --out rm-academy")
}

func runRM(args []string) error {
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("unknown subcommand %q (colash rm --help)", strings.Join(args, " "))
	}
	fs := newFlags("rm train")
	var mf modelFlags
	mf.register(fs)
	c := rm.DefaultConfig()
	data := fs.String("data", "", "the DSP JSON file (required; CC BY-NC 4.0, not shipped)")
	domain := fs.String("domain", "", "the preferred style: academy, business, entertainment or literature (required)")
	heldOut := fs.Float64("held-out", 0.1, "fraction of queries held out (their pairs measure accuracy)")
	limit := fs.Int("limit", 0, "first N training pairs, after shuffling (0: all)")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate")
	fs.Float64Var(&c.MinLR, "min-lr", c.MinLR, "final learning rate of the cosine schedule")
	fs.IntVar(&c.Batch, "batch", c.Batch, "pairs per update")
	fs.IntVar(&c.MicroBatch, "micro-batch", c.MicroBatch, "pairs per forward/backward (0: the batch)")
	fs.Float64Var(&c.Epochs, "epochs", c.Epochs, "passes over the training pairs")
	fs.IntVar(&c.MaxLen, "max-len", c.MaxLen, "tokens per prompt + response")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "held-out accuracy every N updates (0: the last only)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the head, the split and the pair order")
	saveEvery := fs.Int("save-every", 10, "checkpoint every N updates")
	out := fs.String("out", "", "output folder: metrics.jsonl, checkpoint/, model/ (required)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return fmt.Errorf("--data and --out are required")
	}
	if err := rm.CheckDomain(*domain); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	qs, err := rm.LoadDSP(*data)
	if err != nil {
		return err
	}
	trainQ, heldQ := rm.SplitQueries(qs, *heldOut, c.Seed)
	train, held := rm.DomainPairs(trainQ, *domain), rm.DomainPairs(heldQ, *domain)
	if *limit > 0 && *limit < len(train) {
		train = rm.Shuffled(train, c.Seed)[:*limit]
	}
	ctx, g, done, err := joinJob()
	if err != nil {
		return err
	}
	defer done()
	bb, err := mf.load()
	if err != nil {
		return err
	}
	m, err := rm.New(bb, c.MaxLen, c.Seed)
	if err != nil {
		bb.Free()
		return err
	}
	defer m.Free()
	res, err := rm.RunTrainOn(ctx, g, m, c, train, held, rm.Run{Name: "rm", Out: *out, Domain: *domain,
		SaveEvery: *saveEvery, Resume: resumeMode(*resume), Progress: os.Stderr})
	if err != nil || res == nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "held-out accuracy %.3f (untrained %.3f) on %d pairs; reward model in %s/model\n",
		res.HeldOutAcc, res.HeldOutAccInit, res.HeldOutPairs, *out)
	return nil
}
