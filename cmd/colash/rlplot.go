package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"colash/engine/plot"
)

func init() {
	register("rl-plot", "plot metrics.jsonl curves of rl runs (reward and KL against step) to PNG", runRLPlot).
		withUsage("colash rl-plot --runs LABEL=DIR[,LABEL=DIR...] [--out rl.png] [--smooth 10]").
		withExample("colash rl-plot --runs latent=runs/latent,token=runs/token --out docs/rl.png")
}

func runRLPlot(args []string) error {
	fs := newFlags("rl-plot")
	runs := fs.String("runs", "", "comma-separated label=DIR of rl runs (required)")
	out := fs.String("out", "rl.png", "output PNG; the KL plot goes beside it with a -kl suffix")
	smooth := fs.Int("smooth", 10, "moving-average window of the reward, in steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs == "" {
		return fmt.Errorf("--runs is required")
	}
	var reward, kl []plot.Series
	for _, spec := range strings.Split(*runs, ",") {
		label, dir, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("run %q: want label=DIR", spec)
		}
		path := filepath.Join(dir, "metrics.jsonl")
		r, err := plot.Metric(path, "reward/mean", *smooth)
		if err != nil {
			return err
		}
		k, err := plot.Metric(path, "kl", 1)
		if err != nil {
			return err
		}
		reward = append(reward, plot.Series{Label: label, Points: r})
		kl = append(kl, plot.Series{Label: label, Points: k})
	}
	if err := plot.Lines(*out, fmt.Sprintf("mean reward (moving average, %d steps)", *smooth), "reward", reward); err != nil {
		return err
	}
	klPath := strings.TrimSuffix(*out, filepath.Ext(*out)) + "-kl" + filepath.Ext(*out)
	if err := plot.Lines(klPath, "KL to the reference (k1, mean per action token)", "kl", kl); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s and %s\n", *out, klPath)
	return nil
}
