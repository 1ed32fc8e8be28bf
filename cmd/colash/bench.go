package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"colash/bench"
	"colash/model/tensor"
)

func init() {
	var names []string
	for _, b := range bench.All {
		names = append(names, b.Name)
	}
	register("bench", "run the benchmarks under bench/ and print their figures", runBench).
		withUsage("colash bench [--run REGEXP] [--threads N] [--json] [NAME...]").
		withDoc("NAMEs pick benchmarks by name; --run by regular expression; neither: all of them.\n"+
			"Benchmarks: "+strings.Join(names, ", ")+" (docs/performance.md says what each measures).").
		withExample("colash bench decode load", "colash bench --threads 1 --run '^decode$' --json")
}

// benchResult is one figure as --json prints it.
type benchResult struct {
	Benchmark string  `json:"benchmark"`
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Note      string  `json:"note,omitempty"`
}

func runBench(args []string) error {
	fs := newFlags("bench")
	filter := fs.String("run", "", "only benchmarks whose name matches this regular expression")
	threads := fs.Int("threads", 0, "CPU threads for libtorch (0: one per core)")
	asJSON := fs.Bool("json", false, "print the figures as a JSON array instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	picked, err := pickBenchmarks(*filter, fs.Args())
	if err != nil {
		return err
	}
	tensor.SetThreads(*threads)
	ctx, stop := stopContext()
	defer stop()
	var all []benchResult
	for _, b := range picked {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "running %s (libtorch threads: %d)...\n", b.Name, tensor.Threads())
		res, err := b.Run(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", b.Name, err)
		}
		for _, r := range res {
			all = append(all, benchResult{b.Name, r.Name, r.Value, r.Unit, r.Note})
		}
		fmt.Fprintf(os.Stderr, "%s took %.1fs\n", b.Name, time.Since(start).Seconds())
	}
	return printBench(os.Stdout, all, *asJSON)
}

// pickBenchmarks gives the benchmarks named in names, else those matching filter.
func pickBenchmarks(filter string, names []string) ([]bench.Benchmark, error) {
	re, err := regexp.Compile(filter)
	if err != nil {
		return nil, fmt.Errorf("--run: %w", err)
	}
	var known []string
	for _, b := range bench.All {
		known = append(known, b.Name)
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("no benchmark %q (there are: %s)", n, strings.Join(known, ", "))
		}
	}
	var picked []bench.Benchmark
	for _, b := range bench.All {
		if (len(names) == 0 && re.MatchString(b.Name)) || slices.Contains(names, b.Name) {
			picked = append(picked, b)
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no benchmark matches %q (there are: %s)", filter, strings.Join(known, ", "))
	}
	return picked, nil
}

// printBench writes the figures as a table, or as JSON.
func printBench(out io.Writer, all []benchResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if all == nil {
			all = []benchResult{}
		}
		return enc.Encode(all)
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "benchmark\tvalue\tunit\tnote\n")
	for _, r := range all {
		fmt.Fprintf(w, "%s\t%.4g\t%s\t%s\n", r.Name, r.Value, r.Unit, r.Note)
	}
	return w.Flush()
}
