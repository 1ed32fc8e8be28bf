package main

import (
	"fmt"
	"strings"

	"colash/recipes"
)

func init() {
	register("rm", "reward models: train one on a DSP domain's preferences (Bradley-Terry)", runRM).
		asGroup().
		withExample("colash rm train --model stories260K --data dsp.json --domain academy --out rm-academy")
	register("rm train", "a reward model of one DSP domain's preferences: a backbone with a scalar head, Bradley-Terry loss", nil).
		withUsage("colash rm train --model M --data dsp.json --domain D --out DIR [--held-out 0.1] [--limit N] [--resume[=auto]] [flags]").
		withDoc("The DSP file (CC BY-NC 4.0) is not shipped; docs/rm.md says where to get it. Pairs: the domain's\n" +
			"answer chosen over each other answer of a query; --held-out queries measure accuracy. An\n" +
			"outcome reward model trains on --samples (colash qnet collect's scored answers) instead. The\n" +
			"reward model goes to OUT/model.").
		withExample("colash rm train --model stories260K --data dsp.json --domain academy --max-len 128 --batch 32 --lr 1e-3 --out rm-academy")
}

func runRM(args []string) error {
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("unknown subcommand %q (colash rm --help)", strings.Join(args, " "))
	}
	j := recipes.NewRMJob()
	var a jobArgs
	if err := a.flags("rm train", j).Parse(args[1:]); err != nil {
		return err
	}
	return a.run("rm train", j, modelRequired)
}
