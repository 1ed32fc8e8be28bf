package main

import (
	"encoding/json"
	"fmt"
	"os"

	"colash/engine/job"
	"colash/engine/search"
	"colash/engine/search/qlearn"
	"colash/model/qnet"
)

func init() {
	register("qnet", "MCTS-Q's Q-network: collect best-of-N samples (JSONL), train by double-DQN, assess on held-out samples", runQNet).
		asGroup().
		withDoc("The Q-network guides MCTS-Q (colash search --methods mcts-q --qnet DIR; docs/search.md).").
		withExample("colash qnet collect --model cola --task story-target --n 112 --samples 8 --max-tokens 48 --out target.jsonl",
			"colash qnet train --model cola --data target.jsonl --steps 300 --batch 16 --lr 1e-3 --out target-q",
			"colash qnet collect --model cola --task story-target --from 100 --n 12 --samples 8 --max-tokens 48 --seed 202 --out target-held.jsonl",
			"colash qnet assess --qnet target-q --data target-held.jsonl --eval-n 100")
	register("qnet collect", "best-of-N samples of a task's problems with the code of every token and their reward (JSONL)", qnetCollect).
		withUsage("colash qnet collect --model cola --task T --out FILE.jsonl [--from F] [--n N] [--samples K] [--max-tokens N] [--seed S]").
		withExample("colash qnet collect --model cola --task story-target --n 112 --samples 8 --max-tokens 48 --seed 101 --out target.jsonl")
	register("qnet train", "the Q-network by offline double-DQN on collected samples (resumable)", qnetTrain).
		withUsage("colash qnet train --model cola --data FILE.jsonl --out DIR [--steps N] [--batch B] [--lr LR] [--resume[=auto]]").
		withExample("colash qnet train --model cola --data target.jsonl --steps 300 --batch 16 --lr 1e-3 --min-lr 1e-4 --target-every 50 --out target-q")
	register("qnet assess", "a Q-network's TD error and ranking of successes on held-out samples (one JSON line)", qnetAssess).
		withUsage("colash qnet assess --qnet DIR --data FILE.jsonl [--eval-n N] [--gamma 0.99]").
		withDoc("Held-out samples must come from problems the evaluation does not use: its first --eval-n\n" +
			"(default 100, colash search's --n); collect them with colash qnet collect --from N.").
		withExample("colash qnet assess --qnet target-q --data target-held.jsonl --eval-n 100")
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
	return fmt.Errorf("unknown subcommand %q (colash qnet --help)", args[0])
}

func qnetCollect(args []string) error {
	fs := newFlags("qnet collect")
	var mf modelFlags
	mf.register(fs)
	j := qlearn.DefaultCollect()
	job.Flags(fs, &j)
	out := fs.String("out", "", "JSONL file to write (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if err := j.Validate(); err != nil {
		return err
	}
	m, err := loadSearchModel(&mf)
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := stopContext()
	defer stop()
	sum, err := qlearn.RunCollect(ctx, m, j, *out, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d samples of %d problems (mean reward %.3f, %.1f%% solved) in %s\n", sum.Samples, sum.Problems, sum.MeanReward, 100*sum.Solved, *out)
	return nil
}

func qnetTrain(args []string) error {
	var a jobArgs
	j := qlearn.DefaultTrain()
	if err := a.flags("qnet train", &j).Parse(args); err != nil {
		return err
	}
	return a.run("qnet train", &j, modelRequired)
}

func qnetAssess(args []string) error {
	fs := newFlags("qnet assess")
	var mf modelFlags
	mf.register(fs) // --device, --dtype, --threads
	dir := fs.String("qnet", "", "Q-network folder (required)")
	data := fs.String("data", "", "held-out samples from colash qnet collect (required)")
	gamma := fs.Float64("gamma", 0.99, "discount of the TD targets and Monte-Carlo returns")
	evalN := fs.Int("eval-n", search.DefaultJob().N, "the evaluation uses problems 0 to eval-n - 1: held-out samples must come from later ones (0: no check)")
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
	if err := qlearn.CheckHeldOut(samples, *evalN); err != nil {
		return fmt.Errorf("%s: %w", *data, err)
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
