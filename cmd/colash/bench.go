package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"text/tabwriter"
	"time"

	"colash/bench"
	"colash/model/tensor"
)

func init() {
	register("bench", "run the benchmarks under bench/ and print their figures", runBench)
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	filter := fs.String("run", "", "only benchmarks whose name matches this regular expression")
	threads := fs.Int("threads", 0, "CPU threads for libtorch (0: one per core)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	re, err := regexp.Compile(*filter)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	tensor.SetThreads(*threads)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "benchmark\tvalue\tunit\tnote\n")
	ran := 0
	for _, b := range bench.All {
		if !re.MatchString(b.Name) {
			continue
		}
		ran++
		start := time.Now()
		fmt.Fprintf(os.Stderr, "running %s (libtorch threads: %d)...\n", b.Name, tensor.Threads())
		res, err := b.Run(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", b.Name, err)
		}
		for _, r := range res {
			fmt.Fprintf(w, "%s\t%.4g\t%s\t%s\n", r.Name, r.Value, r.Unit, r.Note)
		}
		fmt.Fprintf(os.Stderr, "%s took %.1fs\n", b.Name, time.Since(start).Seconds())
	}
	if ran == 0 {
		return fmt.Errorf("no benchmark matches %q", *filter)
	}
	return w.Flush()
}
