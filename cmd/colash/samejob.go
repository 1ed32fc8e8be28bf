package main

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
)

// perMachine are the flags whose values may differ between the ranks of one job: how a machine
// runs its share, not what the job computes.
var perMachine = map[string]bool{"--threads": true, "-threads": true, "--device": true, "-device": true}

// jobLine is a command line without its per-machine flags.
func jobLine(args []string) string {
	var keep []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		if perMachine[name] {
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		}
		keep = append(keep, args[i])
	}
	return strings.Join(keep, " ")
}

// checkSameJob refuses to start when the ranks of g were not given the same command line (per-
// machine flags aside): ranks that train with other settings or data would sum gradients of
// different jobs, or fail later in a collective that disagrees. Every rank learns every other's
// line, so each returns the same error.
func checkSameJob(g *dist.Group, args []string) error {
	if g.Size() == 1 {
		return nil
	}
	lines, err := g.AllGatherBytes([]byte(jobLine(args)), gotch.CPU)
	if err != nil {
		return fmt.Errorf("comparing the ranks' command lines: %w", err)
	}
	for r, l := range lines {
		if string(l) != string(lines[0]) {
			return fmt.Errorf("the ranks run different commands: rank 0 runs `colash %s`, rank %d runs `colash %s`", lines[0], r, l)
		}
	}
	return nil
}
